package dev.segplatform.core.model.layer;

import dev.segplatform.core.model.kernel.AxisMap;
import dev.segplatform.core.model.kernel.Resampling;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.AbstractLayer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The runtime side of {@link SeparableResampleLayer}: forward {@code R_h · x · R_w^T}, backward
 * {@code R_h^T · ε · R_w}, per image and channel.
 */
final class SeparableResampleImpl extends AbstractLayer<SeparableResampleLayer> {

    /** Row and column matrices, made once per data type outside any workspace: the double (gradient-check) path. */
    private INDArray rows;
    private INDArray cols;
    /** The same maps as taps, and their transposes for the backward pass: the float path, see {@link AxisMap}. */
    private AxisMap rowMap;
    private AxisMap colMap;
    private AxisMap rowMapTransposed;
    private AxisMap colMapTransposed;

    SeparableResampleImpl(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    private void ensureMatrices(DataType dt) {
        if (rows != null && rows.dataType() == dt) {
            return;
        }
        SeparableResampleLayer c = layerConf();
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            rows = Resampling.matrix(c.axisWeights(c.inHeight(), c.getOutHeight()), dt);
            cols = Resampling.matrix(c.axisWeights(c.inWidth(), c.getOutWidth()), dt);
        }
    }

    private void ensureMaps() {
        if (rowMap == null) {
            SeparableResampleLayer c = layerConf();
            rowMap = AxisMap.of(c.axisWeights(c.inHeight(), c.getOutHeight()));
            colMap = AxisMap.of(c.axisWeights(c.inWidth(), c.getOutWidth()));
            rowMapTransposed = rowMap.transposed();
            colMapTransposed = colMap.transposed();
        }
    }

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(false);
        checkInput();
        SeparableResampleLayer c = layerConf();
        if (input.dataType() == DataType.FLOAT) {
            ensureMaps();
            INDArray out = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, DataType.FLOAT,
                    new long[] {input.size(0), input.size(1), c.getOutHeight(), c.getOutWidth()}, 'c');
            AxisMap.apply(input, rowMap, colMap, out);
            return out;
        }
        ensureMatrices(input.dataType());
        INDArray out = Resampling.applySeparable(input, rows.transpose(), cols.transpose());
        return workspaceMgr.leverageTo(ArrayType.ACTIVATIONS, out);
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(true);
        if (!layerConf().computesInputGradient()) {
            return new Pair<>(new DefaultGradient(), null);
        }
        if (epsilon.dataType() == DataType.FLOAT) {
            ensureMaps();
            INDArray dIn = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, DataType.FLOAT, input.shape(), 'c');
            AxisMap.apply(epsilon, rowMapTransposed, colMapTransposed, dIn);
            return new Pair<>(new DefaultGradient(), dIn);
        }
        ensureMatrices(epsilon.dataType());
        INDArray dIn = Resampling.applySeparable(epsilon, rows, cols);
        return new Pair<>(new DefaultGradient(), workspaceMgr.leverageTo(ArrayType.ACTIVATION_GRAD, dIn));
    }

    private void checkInput() {
        SeparableResampleLayer c = layerConf();
        if (input.rank() != 4 || input.size(2) != c.inHeight() || input.size(3) != c.inWidth()) {
            throw new IllegalArgumentException(layerId() + ": expected [B, C, " + c.inHeight() + ", " + c.inWidth()
                    + "] input, got " + java.util.Arrays.toString(input.shape()));
        }
    }

    @Override
    public boolean isPretrainLayer() {
        return false;
    }

    @Override
    public void clearNoiseWeightParams() {
        // No parameters, so no weight noise.
    }

    @Override
    public Type type() {
        return Type.CONVOLUTIONAL;
    }
}
