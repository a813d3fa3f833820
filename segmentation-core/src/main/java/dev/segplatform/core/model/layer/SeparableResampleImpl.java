package dev.segplatform.core.model.layer;

import dev.segplatform.core.model.kernel.AxisMap;
import dev.segplatform.core.model.kernel.OneDnn;
import dev.segplatform.core.model.kernel.OneDnnResampling;
import dev.segplatform.core.model.kernel.Resampling;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
 * {@code R_h^T · ε · R_w}, per image and channel. Float arrays go through oneDNN's matrix products
 * ({@link OneDnnResampling}, one per shape and direction) where oneDNN runs, else through {@link
 * AxisMap}; double arrays (gradient checks) through ND4J's dense products.
 */
final class SeparableResampleImpl extends AbstractLayer<SeparableResampleLayer> {

    /** Row and column matrices, made once per data type outside any workspace: the double (gradient-check) path. */
    private INDArray rows;
    private INDArray cols;
    /** The same maps as taps, and their transposes for the backward pass: the float path without oneDNN. */
    private AxisMap rowMap;
    private AxisMap colMap;
    private AxisMap rowMapTransposed;
    private AxisMap colMapTransposed;
    /**
     * oneDNN's products by direction and input shape, as many as {@link FastConvolutionImpl} keeps
     * convolutions and for the same reason (dynamic batching sends every batch size up to its
     * maximum); an evicted one is closed, since its buffers are native memory the collector does not see.
     */
    private final Map<List<Long>, OneDnnResampling> products = new LinkedHashMap<>(8, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<List<Long>, OneDnnResampling> eldest) {
            if (size() <= 2 * FastConvolutionImpl.SHAPES_KEPT) {
                return false;
            }
            eldest.getValue().close();
            return true;
        }
    };

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
            INDArray out = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, DataType.FLOAT,
                    new long[] {input.size(0), input.size(1), c.getOutHeight(), c.getOutWidth()}, 'c');
            resample(input, false, out);
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
            INDArray dIn = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, DataType.FLOAT, input.shape(), 'c');
            resample(epsilon, true, dIn);
            return new Pair<>(new DefaultGradient(), dIn);
        }
        ensureMatrices(epsilon.dataType());
        INDArray dIn = Resampling.applySeparable(epsilon, rows, cols);
        return new Pair<>(new DefaultGradient(), workspaceMgr.leverageTo(ArrayType.ACTIVATION_GRAD, dIn));
    }

    /** {@code to = R_h · from · R_w^T}, or with both maps transposed (the backward pass), in float. */
    private void resample(INDArray from, boolean transposed, INDArray to) {
        if (OneDnn.AVAILABLE) {
            List<Long> key = new ArrayList<>(List.of(transposed ? 1L : 0L));
            Arrays.stream(from.shape()).forEach(key::add);
            products.computeIfAbsent(key, k -> {
                SeparableResampleLayer c = layerConf();
                double[][] rows = c.axisWeights(c.inHeight(), c.getOutHeight());
                double[][] cols = c.axisWeights(c.inWidth(), c.getOutWidth());
                return transposed ? OneDnnResampling.transposed(from.shape(), rows, cols)
                        : new OneDnnResampling(from.shape(), rows, cols);
            }).apply(from, to);
            return;
        }
        ensureMaps();
        if (transposed) {
            AxisMap.apply(from, rowMapTransposed, colMapTransposed, to);
        } else {
            AxisMap.apply(from, rowMap, colMap, to);
        }
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
