package dev.segplatform.core.model.layer;

import dev.segplatform.core.model.kernel.FloatArrays;
import dev.segplatform.core.model.kernel.PixelShuffle;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.BaseLayer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.enums.DataFormat;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.broadcast.BiasAdd;
import org.nd4j.linalg.api.ops.impl.layers.convolution.DepthToSpace;
import org.nd4j.linalg.api.ops.impl.layers.convolution.SpaceToDepth;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The runtime side of {@link PixelShuffleUp}: depth-to-space plus a bias, and their transposes.
 * Float arrays are rearranged by {@link PixelShuffle} (ND4J's own op was a fifth of U-Net's
 * inference time); doubles, which only the gradient checks use, by ND4J's op.
 */
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
        if (input.dataType() == DataType.FLOAT) {
            PixelShuffle.depthToSpace(FloatArrays.dense(input), out, f);
        } else {
            Nd4j.exec(new DepthToSpace(input, out, f, DataFormat.NCHW));
        }
        INDArray bias = getParamWithNoise(PixelShuffleUp.BIAS, training, workspaceMgr);
        // BiasAdd, not a broadcast along dimension 1, which is far slower on large activations.
        Nd4j.exec(new BiasAdd(out, bias.reshape(c), out, true));
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
        if (epsilon.dataType() == DataType.FLOAT) {
            PixelShuffle.spaceToDepth(FloatArrays.dense(epsilon), epsilonOut, f);
        } else {
            Nd4j.exec(new SpaceToDepth(epsilon, epsilonOut, f, DataFormat.NCHW));
        }
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
