package dev.segplatform.core.model.layer;

import dev.segplatform.core.model.kernel.FloatArrays;
import dev.segplatform.core.model.kernel.MaxPooling;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.AbstractLayer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** The runtime side of {@link MaxPool2x2}. */
final class MaxPool2x2Impl extends AbstractLayer<MaxPool2x2> {

    MaxPool2x2Impl(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(false);
        if (input.rank() != 4 || input.dataType() != DataType.FLOAT) {
            throw new IllegalArgumentException(layerId() + ": expected a float [B, C, H, W] array, got " + input.dataType()
                    + " " + java.util.Arrays.toString(input.shape()));
        }
        boolean keep = layerConf().keepsPartial();
        INDArray out = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, DataType.FLOAT, new long[] {input.size(0),
                input.size(1), MaxPooling.outputSize(input.size(2), keep), MaxPooling.outputSize(input.size(3), keep)}, 'c');
        MaxPooling.pool2x2(FloatArrays.dense(input), out);
        return out;
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        throw new UnsupportedOperationException(layerId() + " has no backward pass: it belongs to a folded inference graph");
    }

    @Override
    public void clearNoiseWeightParams() {
        // No parameters, so no weight noise.
    }

    @Override
    public boolean isPretrainLayer() {
        return false;
    }

    @Override
    public Type type() {
        return Type.SUBSAMPLING;
    }
}
