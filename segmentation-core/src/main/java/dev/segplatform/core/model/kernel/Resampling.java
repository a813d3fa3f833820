package dev.segplatform.core.model.kernel;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Bilinear resizing and adaptive average pooling written as separable linear maps.
 *
 * <p>Both operations act on the rows and the columns of an image independently, so each is a
 * pair of matrices: {@code out = R_h · x · R_w^T} for every channel. DL4J 1.0.0-M2.1 has no
 * adaptive pooling and no resize to an arbitrary size with a backward pass; a matrix product
 * gives both, and its gradient is the transposed product. For float arrays the layers and
 * {@link #resizeBilinear} apply the same maps through {@link AxisMap}, which skips the zeros.
 */
public final class Resampling {

    private Resampling() {
    }

    /**
     * Row weights of a 1-D bilinear resize from {@code in} to {@code out} samples, with PyTorch's
     * {@code align_corners=False} convention (pixel centres at {@code i + 0.5}, edges clamped).
     *
     * @return {@code [out][in]}, each row summing to 1
     */
    public static double[][] bilinearWeights(int in, int out) {
        checkSizes(in, out);
        double[][] m = new double[out][in];
        double scale = (double) in / out;
        for (int i = 0; i < out; i++) {
            double src = Math.max((i + 0.5) * scale - 0.5, 0);
            int i0 = Math.min((int) Math.floor(src), in - 1);
            int i1 = Math.min(i0 + 1, in - 1);
            double frac = src - i0;
            m[i][i0] += 1 - frac;
            m[i][i1] += frac;
        }
        return m;
    }

    /**
     * Row weights of a 1-D adaptive average pooling from {@code in} to {@code out} bins: bin
     * {@code i} averages {@code [floor(i*in/out), ceil((i+1)*in/out))}, as PyTorch's
     * {@code AdaptiveAvgPool2d} does (bins overlap when {@code in} is not a multiple of
     * {@code out}, and repeat inputs when {@code out > in}).
     *
     * @return {@code [out][in]}, each row summing to 1
     */
    public static double[][] adaptiveAverageWeights(int in, int out) {
        checkSizes(in, out);
        double[][] m = new double[out][in];
        for (int i = 0; i < out; i++) {
            int start = (int) Math.floor((double) i * in / out);
            int end = (int) Math.ceil((double) (i + 1) * in / out);
            for (int j = start; j < end; j++) {
                m[i][j] = 1.0 / (end - start);
            }
        }
        return m;
    }

    /**
     * Bilinear resize of an NCHW array outside any graph (e.g. ICNet's 1/4 output to full size at
     * inference).
     *
     * @param x {@code [B, C, H, W]}
     * @return {@code [B, C, outHeight, outWidth]} in the dtype of {@code x}
     */
    public static INDArray resizeBilinear(INDArray x, int outHeight, int outWidth) {
        checkNchw(x);
        int h = (int) x.size(2);
        int w = (int) x.size(3);
        if (h == outHeight && w == outWidth) {
            return x.dup();
        }
        if (x.dataType() == DataType.FLOAT) {
            INDArray out = Nd4j.createUninitialized(DataType.FLOAT, x.size(0), x.size(1), outHeight, outWidth);
            AxisMap.apply(x, AxisMap.of(bilinearWeights(h, outHeight)), AxisMap.of(bilinearWeights(w, outWidth)), out);
            return out;
        }
        return applySeparable(x,
                matrix(bilinearWeights(h, outHeight), x.dataType()).transpose(),
                matrix(bilinearWeights(w, outWidth), x.dataType()).transpose());
    }

    /**
     * {@code out[b, c] = rowsT^T · x[b, c] · colsT} for every image and channel.
     *
     * @param x {@code [B, C, H, W]}
     * @param rowsT {@code [H, Ho]}, the transposed row map
     * @param colsT {@code [W, Wo]}, the transposed column map
     * @return {@code [B, C, Ho, Wo]}, a new array in the current workspace (if any)
     */
    public static INDArray applySeparable(INDArray x, INDArray rowsT, INDArray colsT) {
        checkNchw(x);
        long b = x.size(0);
        long c = x.size(1);
        long h = x.size(2);
        long w = x.size(3);
        long outH = rowsT.size(1);
        long outW = colsT.size(1);
        // Columns: [B*C*H, W] x [W, Wo]. Rows: swap the last two axes and do the same with [H, Ho].
        // reshape copies only if x is not c-contiguous already (a dup would copy always).
        INDArray cols = x.reshape('c', b * c * h, w).mmul(colsT);
        INDArray swapped = cols.reshape('c', b * c, h, outW).permute(0, 2, 1).dup('c');
        INDArray rows = swapped.reshape('c', b * c * outW, h).mmul(rowsT);
        return rows.reshape('c', b * c, outW, outH).permute(0, 2, 1).dup('c').reshape('c', b, c, outH, outW);
    }

    private static void checkNchw(INDArray x) {
        if (x.rank() != 4) {
            throw new IllegalArgumentException("expected an NCHW array, got shape " + java.util.Arrays.toString(x.shape()));
        }
    }

    public static INDArray matrix(double[][] m, DataType dataType) {
        return Nd4j.createFromArray(m).castTo(dataType);
    }

    private static void checkSizes(int in, int out) {
        if (in < 1 || out < 1) {
            throw new IllegalArgumentException("sizes must be positive, got " + in + " -> " + out);
        }
    }
}
