package dev.segplatform.core.model.kernel;

import java.nio.FloatBuffer;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A 1-D linear map ({@code [out][in]} weights, mostly zero) kept as its non-zero taps, and the
 * separable 2-D resampling {@code out = R_h · x · R_w^T} of float NCHW arrays that two such maps
 * define, computed in Java over the arrays' memory.
 *
 * <p>Why not the matrix products of {@link Resampling#applySeparable}: bilinear weights have at
 * most two taps per output and adaptive pooling a short window, so the dense products do several
 * times the necessary arithmetic and need two transposing copies; with them the resample layers
 * were a large share of ICNet's training time.
 */
public final class AxisMap {

    private final int in;
    private final int out;
    /** Taps of output {@code o}: {@code index[start[o] .. start[o+1])} with {@code weight[...]}. */
    private final int[] start;
    private final int[] index;
    private final float[] weight;

    /**
     * When no output has more than two taps (bilinear up-sampling, 2x2 pooling): each output's
     * first and second tap, a missing second one as weight 0 on the first's input, so that the
     * gather below runs without an inner loop.
     */
    private final int[] first;
    private final int[] second;
    private final float[] firstWeight;
    private final float[] secondWeight;

    private AxisMap(int in, int out, int[] start, int[] index, float[] weight) {
        this.in = in;
        this.out = out;
        this.start = start;
        this.index = index;
        this.weight = weight;
        boolean atMostTwo = true;
        for (int o = 0; o < out; o++) {
            atMostTwo &= start[o + 1] - start[o] <= 2;
        }
        first = atMostTwo ? new int[out] : null;
        second = atMostTwo ? new int[out] : null;
        firstWeight = atMostTwo ? new float[out] : null;
        secondWeight = atMostTwo ? new float[out] : null;
        for (int o = 0; atMostTwo && o < out; o++) {
            int taps = start[o + 1] - start[o];
            first[o] = taps > 0 ? index[start[o]] : 0;
            firstWeight[o] = taps > 0 ? weight[start[o]] : 0f;
            second[o] = taps > 1 ? index[start[o] + 1] : first[o];
            secondWeight[o] = taps > 1 ? weight[start[o] + 1] : 0f;
        }
    }

    /** The non-zero entries of {@code weights} ({@code [out][in]}). */
    public static AxisMap of(double[][] weights) {
        int out = weights.length;
        int in = weights[0].length;
        int[] start = new int[out + 1];
        int taps = 0;
        for (double[] row : weights) {
            for (double w : row) {
                taps += w != 0 ? 1 : 0;
            }
        }
        int[] index = new int[taps];
        float[] weight = new float[taps];
        int k = 0;
        for (int o = 0; o < out; o++) {
            start[o] = k;
            for (int i = 0; i < in; i++) {
                if (weights[o][i] != 0) {
                    index[k] = i;
                    weight[k++] = (float) weights[o][i];
                }
            }
        }
        start[out] = k;
        return new AxisMap(in, out, start, index, weight);
    }

    /** The transposed map, {@code [in][out]}: what the backward pass applies. */
    public AxisMap transposed() {
        double[][] t = new double[in][out];
        for (int o = 0; o < out; o++) {
            for (int k = start[o]; k < start[o + 1]; k++) {
                t[index[k]][o] = weight[k];
            }
        }
        return of(t);
    }

    /**
     * {@code target[b, c] = rows · x[b, c] · cols^T} for a float {@code x} of {@code [B, C, rows.in,
     * cols.in]} into a c-ordered float {@code target} of {@code [B, C, rows.out, cols.out]}, on the
     * calling thread: split between the cores, the same loops made ICNet's training step slower,
     * because ND4J's OpenMP threads spin on the other core between ops.
     */
    public static void apply(INDArray x, AxisMap rows, AxisMap cols, INDArray target) {
        if (x.rank() != 4 || x.size(2) != rows.in || x.size(3) != cols.in || target.size(2) != rows.out
                || target.size(3) != cols.out) {
            throw new IllegalArgumentException("expected [B, C, " + rows.in + ", " + cols.in + "] -> [B, C, " + rows.out
                    + ", " + cols.out + "], got " + java.util.Arrays.toString(x.shape()) + " -> "
                    + java.util.Arrays.toString(target.shape()));
        }
        int images = Math.toIntExact(x.size(0) * x.size(1));
        Math.toIntExact(Math.max(x.length(), target.length())); // int indexing below: fail, do not wrap
        // One image at a time through small arrays: copying whole tensors to and from Java arrays
        // cost an allocation (which the JVM zeroes) and a pass over memory each.
        FloatBuffer from = FloatArrays.buffer(FloatArrays.dense(x));
        FloatBuffer to = FloatArrays.buffer(target);
        int in = rows.in * cols.in;
        int out = rows.out * cols.out;
        float[] src = new float[in];
        float[] dst = new float[out];
        // Mapping the rows (a weighted sum of whole rows) vectorizes; mapping within a row gathers,
        // at about four times the cost per tap. Up-sampling wants the gathers on the short input
        // rows first; its transpose (the backward pass) wants the rows mapped down first.
        long withinRowsFirst = 4L * rows.in * cols.taps() + (long) rows.taps() * cols.out;
        long rowsFirst = (long) rows.taps() * cols.in + 4L * rows.out * cols.taps();
        if (withinRowsFirst <= rowsFirst) {
            float[] between = new float[rows.in * cols.out];
            for (int image = 0; image < images; image++) {
                from.get(image * in, src, 0, in);
                cols.applyToRows(src, 0, rows.in, between, 0);
                rows.applyToColumns(between, 0, cols.out, dst, 0);
                to.put(image * out, dst, 0, out);
            }
        } else {
            float[] between = new float[rows.out * cols.in];
            for (int image = 0; image < images; image++) {
                from.get(image * in, src, 0, in);
                rows.applyToColumns(src, 0, cols.in, between, 0);
                cols.applyToRows(between, 0, rows.out, dst, 0);
                to.put(image * out, dst, 0, out);
            }
        }
    }

    /** How many non-zero weights the map has. */
    private int taps() {
        return start[out];
    }

    /** {@code y[r, o] = Σ w · x[r, i]} for each of {@code n} rows of length {@code in}. */
    private void applyToRows(float[] x, int xOffset, int n, float[] y, int yOffset) {
        if (first != null) {
            for (int r = 0; r < n; r++) {
                int xr = xOffset + r * in;
                int yr = yOffset + r * out;
                for (int o = 0; o < out; o++) {
                    y[yr + o] = firstWeight[o] * x[xr + first[o]] + secondWeight[o] * x[xr + second[o]];
                }
            }
            return;
        }
        for (int r = 0; r < n; r++) {
            int xr = xOffset + r * in;
            int yr = yOffset + r * out;
            for (int o = 0; o < out; o++) {
                float s = 0;
                for (int k = start[o]; k < start[o + 1]; k++) {
                    s += weight[k] * x[xr + index[k]];
                }
                y[yr + o] = s;
            }
        }
    }

    /** {@code y[o, :] = Σ w · x[i, :]} over rows of length {@code width}. */
    private void applyToColumns(float[] x, int xOffset, int width, float[] y, int yOffset) {
        if (first != null) {
            // One loop per output row instead of a fill and a loop per tap: rows here are short
            // (16-64), so the loops' own overhead was most of the cost.
            for (int o = 0; o < out; o++) {
                int yr = yOffset + o * width;
                int x0 = xOffset + first[o] * width;
                int x1 = xOffset + second[o] * width;
                float w0 = firstWeight[o];
                float w1 = secondWeight[o];
                for (int c = 0; c < width; c++) {
                    y[yr + c] = w0 * x[x0 + c] + w1 * x[x1 + c];
                }
            }
            return;
        }
        for (int o = 0; o < out; o++) {
            int yr = yOffset + o * width;
            if (start[o] == start[o + 1]) {
                java.util.Arrays.fill(y, yr, yr + width, 0f);
                continue;
            }
            // The first tap writes, the others add: no separate pass to zero the row.
            float w0 = weight[start[o]];
            int x0 = xOffset + index[start[o]] * width;
            for (int c = 0; c < width; c++) {
                y[yr + c] = w0 * x[x0 + c];
            }
            for (int k = start[o] + 1; k < start[o + 1]; k++) {
                float w = weight[k];
                int xr = xOffset + index[k] * width;
                for (int c = 0; c < width; c++) {
                    y[yr + c] += w * x[xr + c];
                }
            }
        }
    }
}
