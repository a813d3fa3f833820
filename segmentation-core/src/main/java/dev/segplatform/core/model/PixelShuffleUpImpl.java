package dev.segplatform.core.model;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.BaseLayer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastAddOp;
import org.nd4j.linalg.factory.Nd4j;

/** The runtime side of {@link PixelShuffleUp}: a strided copy plus a bias, and their transposes. */
final class PixelShuffleUpImpl extends BaseLayer<PixelShuffleUp> {

    PixelShuffleUpImpl(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(false);
        int f = layerConf().getFactor();
        long c = layerConf().getChannels();
        checkInput(c * f * f);
        long b = input.size(0);
        long h = input.size(2);
        long w = input.size(3);
        INDArray out = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, input.dataType(),
                new long[] {b, c, h * f, w * f}, 'c');
        // out[b, c, i, p, j, q] = in[b, c, p, q, i, j]: one strided copy between c-ordered buffers.
        out.reshape('c', b, c, h, f, w, f)
                .assign(input.reshape('c', b, c, f, f, h, w).permute(0, 1, 4, 2, 5, 3));
        INDArray bias = getParamWithNoise(PixelShuffleUp.BIAS, training, workspaceMgr);
        Nd4j.getExecutioner().exec(new BroadcastAddOp(out, bias.reshape(c), out, 1));
        return out;
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(true);
        int f = layerConf().getFactor();
        long c = layerConf().getChannels();
        long b = input.size(0);
        long h = input.size(2);
        long w = input.size(3);
        INDArray biasGradient = gradientViews.get(PixelShuffleUp.BIAS);
        epsilon.sum(biasGradient.reshape(c), 0, 2, 3);

        INDArray epsilonOut = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, epsilon.dataType(),
                new long[] {b, c * f * f, h, w}, 'c');
        epsilonOut.reshape('c', b, c, f, f, h, w)
                .assign(epsilon.reshape('c', b, c, h, f, w, f).permute(0, 1, 3, 5, 2, 4));
        Gradient gradient = new DefaultGradient();
        gradient.gradientForVariable().put(PixelShuffleUp.BIAS, biasGradient);
        return new Pair<>(gradient, epsilonOut);
    }

    private void checkInput(long channels) {
        if (input.rank() != 4 || input.size(1) != channels) {
            throw new IllegalArgumentException(layerId() + ": expected [B, " + channels + ", H, W], got "
                    + java.util.Arrays.toString(input.shape()));
        }
    }

    @Override
    public boolean isPretrainLayer() {
        return false;
    }

    @Override
    public Type type() {
        return Type.CONVOLUTIONAL;
    }
}
