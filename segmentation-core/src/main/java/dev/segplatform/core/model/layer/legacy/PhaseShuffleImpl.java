package dev.segplatform.core.model.layer.legacy;

import dev.segplatform.core.model.kernel.FloatArrays;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.AbstractLayer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The runtime side of {@link PhaseShuffle}. The two directions are each other's inverse (up to the
 * padding, whose gradient is dropped), so each one's backward pass is the other's forward pass.
 */
final class PhaseShuffleImpl extends AbstractLayer<PhaseShuffle> {

    PhaseShuffleImpl(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(false);
        PhaseShuffle c = layerConf();
        return c.getDirection() == PhaseShuffle.Direction.TO_BATCH
                ? toBatch(input, workspaceMgr, ArrayType.ACTIVATIONS)
                : toSpace(input, workspaceMgr, ArrayType.ACTIVATIONS);
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(true);
        PhaseShuffle c = layerConf();
        INDArray dIn = c.getDirection() == PhaseShuffle.Direction.TO_BATCH
                ? toSpace(epsilon, workspaceMgr, ArrayType.ACTIVATION_GRAD)
                : toBatch(epsilon, workspaceMgr, ArrayType.ACTIVATION_GRAD);
        return new Pair<>(new DefaultGradient(), dIn);
    }

    /** {@code [B, C, H, W] -> [d*d*B, C, H', W']}, phase {@code (i, j)} at batch block {@code i*d + j}. */
    private INDArray toBatch(INDArray x, LayerWorkspaceMgr mgr, ArrayType type) {
        PhaseShuffle c = layerConf();
        int d = c.getFactor();
        int ph = c.phaseHeight();
        int pw = c.phaseWidth();
        checkShape(x, c.getHeight(), c.getWidth());
        long batch = x.size(0);
        long channels = x.size(1);
        if (x.dataType() == DataType.FLOAT) {
            INDArray out = mgr.createUninitialized(type, DataType.FLOAT, new long[] {d * d * batch, channels, ph, pw}, 'c');
            FloatArrays.write(gather(FloatArrays.read(x), (int) batch, (int) channels, c.getHeight(), c.getWidth(), d, true), out);
            return out;
        }
        INDArray padded = x;
        if (ph * d != c.getHeight() || pw * d != c.getWidth()) {
            padded = mgr.create(type, x.dataType(), batch, channels, (long) ph * d, (long) pw * d);
            padded.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.interval(0, c.getHeight()),
                    NDArrayIndex.interval(0, c.getWidth())).assign(x);
        }
        INDArray out = mgr.createUninitialized(type, x.dataType(), new long[] {d * d * batch, channels, ph, pw}, 'c');
        // Both sides are views of c-ordered buffers: one strided copy, no temporaries.
        out.reshape('c', d, d, batch, channels, ph, pw)
                .assign(padded.reshape('c', batch, channels, ph, d, pw, d).permute(3, 5, 0, 1, 2, 4));
        return out;
    }

    /** The inverse of {@link #toBatch}: {@code [d*d*B, C, H', W'] -> [B, C, H, W]}. */
    private INDArray toSpace(INDArray y, LayerWorkspaceMgr mgr, ArrayType type) {
        PhaseShuffle c = layerConf();
        int d = c.getFactor();
        int ph = c.phaseHeight();
        int pw = c.phaseWidth();
        checkShape(y, ph, pw);
        if (y.size(0) % ((long) d * d) != 0) {
            throw new IllegalArgumentException(layerId() + ": batch " + y.size(0) + " is not a multiple of " + d * d);
        }
        long batch = y.size(0) / ((long) d * d);
        long channels = y.size(1);
        if (y.dataType() == DataType.FLOAT) {
            INDArray out = mgr.createUninitialized(type, DataType.FLOAT, new long[] {batch, channels, c.getHeight(), c.getWidth()}, 'c');
            FloatArrays.write(gather(FloatArrays.read(y), (int) batch, (int) channels, c.getHeight(), c.getWidth(), d, false), out);
            return out;
        }
        boolean cropped = ph * d != c.getHeight() || pw * d != c.getWidth();
        INDArray full = mgr.createUninitialized(type, y.dataType(), new long[] {batch, channels, (long) ph * d, (long) pw * d}, 'c');
        full.reshape('c', batch, channels, ph, d, pw, d)
                .assign(y.reshape('c', d, d, batch, channels, ph, pw).permute(2, 3, 4, 0, 5, 1));
        if (!cropped) {
            return full;
        }
        INDArray out = mgr.createUninitialized(type, y.dataType(), new long[] {batch, channels, c.getHeight(), c.getWidth()}, 'c');
        return out.assign(full.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.interval(0, c.getHeight()),
                NDArrayIndex.interval(0, c.getWidth())));
    }

    /**
     * The float path of both directions as one loop over the spatial layout, which for floats is
     * faster than ND4J's six-dimensional strided assign: pixel {@code (b, c, y*d + i, x*d + j)}
     * is phase pixel {@code ((i*d + j)*B + b, c, y, x)}; phase pixels beyond the image are zero.
     */
    private static float[] gather(float[] from, int batch, int channels, int height, int width, int d, boolean toBatch) {
        int ph = (height + d - 1) / d;
        int pw = (width + d - 1) / d;
        float[] to = new float[toBatch ? d * d * batch * channels * ph * pw : batch * channels * height * width];
        // Row by row and phase column by phase column, so the inner loops have no division and no branch.
        for (int b = 0; b < batch; b++) {
            for (int ch = 0; ch < channels; ch++) {
                for (int sy = 0; sy < height; sy++) {
                    int spatialRow = ((b * channels + ch) * height + sy) * width;
                    int i = sy % d;
                    int y = sy / d;
                    for (int j = 0; j < d; j++) {
                        int phaseRow = ((((i * d + j) * batch + b) * channels + ch) * ph + y) * pw;
                        int columns = (width - j + d - 1) / d;
                        if (toBatch) {
                            for (int x = 0, sx = j; x < columns; x++, sx += d) {
                                to[phaseRow + x] = from[spatialRow + sx];
                            }
                        } else {
                            for (int x = 0, sx = j; x < columns; x++, sx += d) {
                                to[spatialRow + sx] = from[phaseRow + x];
                            }
                        }
                    }
                }
            }
        }
        return to;
    }

    private void checkShape(INDArray x, long height, long width) {
        if (x.rank() != 4 || x.size(2) != height || x.size(3) != width) {
            throw new IllegalArgumentException(layerId() + ": expected [B, C, " + height + ", " + width + "], got "
                    + java.util.Arrays.toString(x.shape()));
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
