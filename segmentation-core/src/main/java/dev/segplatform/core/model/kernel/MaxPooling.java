package dev.segplatform.core.model.kernel;

import java.nio.FloatBuffer;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * 2x2, stride-2 max pooling of NCHW float arrays, as Java row loops: output pixel {@code (y, x)} is
 * the largest of input pixels {@code (2y..2y+1, 2x..2x+1)} that lie inside the image (a NaN among
 * them gives NaN). With an odd height or width, {@code Same} mode's last row or column pools the one
 * input row or column left, as DL4J pads only at the bottom and right for this kernel; {@code Truncate}
 * drops it.
 *
 * <p>Why not ND4J's {@code maxpool2d}: in M2.1 it reaches oneDNN's plain NCHW pooling, which calls a
 * {@code std::function} per output element; a single-threaded U-Net pass at batch 4 spent a fifth of
 * its time there (async-profiler), where the pooling is one read of the input and a quarter write.
 */
public final class MaxPooling {

    private MaxPooling() {
    }

    /** The output height or width for an input of {@code size}: pooled partial windows kept ({@code Same}) or dropped. */
    public static long outputSize(long size, boolean keepPartial) {
        return keepPartial ? (size + 1) / 2 : size / 2;
    }

    /** Pools {@code in} ({@code [B, C, H, W]}) into {@code out} ({@code [B, C, outputSize(H), outputSize(W)]}), both c-contiguous. */
    public static void pool2x2(INDArray in, INDArray out) {
        long[] s = in.shape();
        long[] o = out.shape();
        if (s.length != 4 || o.length != 4 || s[0] != o[0] || s[1] != o[1] || in.length() > Integer.MAX_VALUE
                || (o[2] != outputSize(s[2], true) && o[2] != outputSize(s[2], false))
                || (o[3] != outputSize(s[3], true) && o[3] != outputSize(s[3], false)) || o[2] == 0 || o[3] == 0) {
            throw new IllegalArgumentException("cannot pool " + java.util.Arrays.toString(s) + " 2x2 into "
                    + java.util.Arrays.toString(o));
        }
        int planes = Math.toIntExact(s[0] * s[1]);
        int h = (int) s[2];
        int w = (int) s[3];
        int outH = (int) o[2];
        int outW = (int) o[3];
        FloatBuffer src = FloatArrays.buffer(in);
        FloatBuffer dst = FloatArrays.buffer(out);
        float[] top = new float[w];
        float[] bottom = new float[w];
        float[] row = new float[outW];
        // Whole columns pair up first (a loop C2 vectorises), then neighbours within the row.
        int pairs = Math.min(outW, w / 2);
        for (int plane = 0; plane < planes; plane++) {
            int planeStart = plane * h * w;
            for (int y = 0; y < outH; y++) {
                src.get(planeStart + 2 * y * w, top, 0, w);
                if (2 * y + 1 < h) {
                    src.get(planeStart + (2 * y + 1) * w, bottom, 0, w);
                    for (int x = 0; x < w; x++) {
                        top[x] = Math.max(top[x], bottom[x]);
                    }
                }
                for (int x = 0; x < pairs; x++) {
                    row[x] = Math.max(top[2 * x], top[2 * x + 1]);
                }
                if (pairs < outW) {
                    row[pairs] = top[w - 1];
                }
                dst.put((plane * outH + y) * outW, row, 0, outW);
            }
        }
    }
}
