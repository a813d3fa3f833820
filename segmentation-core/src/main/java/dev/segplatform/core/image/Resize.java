package dev.segplatform.core.image;

import java.nio.FloatBuffer;

/**
 * Resizing with the conventions every part of the platform must share, so training and
 * inference see identical pixels: pixel centres at half-integers (as OpenCV, PIL and
 * TensorFlow's {@code half_pixel_centers}), bilinear for images and nearest neighbour for class
 * masks, because interpolating class indices would invent classes (between pet 0 and border 2
 * lies background 1); a predicted mask is resized from the network's scores instead
 * ({@link #bilinearArgmax}).
 */
public final class Resize {

    private Resize() {
    }

    /** The source index nearest to the centre of destination pixel {@code dst}. */
    public static int nearestSource(int dst, int srcLength, int dstLength) {
        int s = (int) (((long) dst * 2 + 1) * srcLength / (2L * dstLength));
        return Math.min(s, srcLength - 1);
    }

    /** Nearest-neighbour resize of a row-major class mask; the output only holds values of the input. */
    public static byte[] nearest(byte[] mask, int width, int height, int outWidth, int outHeight) {
        if (mask.length != width * height) {
            throw new IllegalArgumentException("mask has " + mask.length + " values, not " + width + "x" + height);
        }
        byte[] out = new byte[outWidth * outHeight];
        int[] xs = new int[outWidth];
        for (int x = 0; x < outWidth; x++) {
            xs[x] = nearestSource(x, width, outWidth);
        }
        for (int y = 0; y < outHeight; y++) {
            int srcRow = nearestSource(y, height, outHeight) * width;
            int dstRow = y * outWidth;
            for (int x = 0; x < outWidth; x++) {
                out[dstRow + x] = mask[srcRow + xs[x]];
            }
        }
        return out;
    }

    /**
     * Bilinear resize to planar (CHW) bytes, rounded: the exact pixels the networks see in training
     * and in prediction alike ({@code (b & 0xFF) / 255f} gives the [0, 1] input).
     */
    public static byte[] bilinearPlanarBytes(RgbImage image, int outWidth, int outHeight) {
        byte[] out = new byte[3 * outWidth * outHeight];
        bilinear(image, outWidth, outHeight, (i, v) -> out[i] = (byte) rounded(v));
        return out;
    }

    /**
     * The network input of {@link #bilinearPlanarBytes}, each byte already scaled to [0, 1] ({@code
     * (b & 0xFF) / 255f}), written straight into {@code out} at {@code c * outH * outW + y * outW + x}
     * (absolute puts, {@code out}'s position untouched): no planar array of floats or bytes in
     * between, so the values can go directly into a tensor's native buffer. An image already at the
     * output size is copied without interpolating, which gives the same values: at identity size
     * every tap has weight 0 on its neighbour.
     */
    public static void bilinearPlanarUnit(RgbImage image, int outWidth, int outHeight, FloatBuffer out) {
        if (out.capacity() < 3L * outWidth * outHeight) {
            throw new IllegalArgumentException("buffer of " + out.capacity() + " floats for 3x" + outWidth + "x" + outHeight);
        }
        float[] unit = UNIT;
        int w = image.width();
        byte[] rgb = image.rgb();
        int plane = outWidth * outHeight;
        if (w == outWidth && image.height() == outHeight) {
            for (int i = 0, p = 0; i < plane; i++, p += 3) {
                out.put(i, unit[rgb[p] & 0xFF]);
                out.put(plane + i, unit[rgb[p + 1] & 0xFF]);
                out.put(2 * plane + i, unit[rgb[p + 2] & 0xFF]);
            }
            return;
        }
        bilinear(image, outWidth, outHeight, (i, v) -> out.put(i, unit[rounded(v)]));
    }

    /** {@code i / 255f} for every byte value. */
    private static final float[] UNIT = new float[256];

    static {
        for (int i = 0; i < 256; i++) {
            UNIT[i] = i / 255f;
        }
    }

    /**
     * Bilinear resize to planar (CHW) values in 0..255: {@code out[c * outH * outW + y * outW + x]}.
     */
    public static float[] bilinearPlanar(RgbImage image, int outWidth, int outHeight) {
        float[] out = new float[3 * outWidth * outHeight];
        bilinear(image, outWidth, outHeight, (i, v) -> out[i] = v);
        return out;
    }

    /** A bilinear value as the byte the networks see. */
    private static int rounded(float value) {
        return Math.max(0, Math.min(255, Math.round(value)));
    }

    /** Where {@link #bilinear} puts each planar value. */
    @FunctionalInterface
    private interface PlanarSink {
        void put(int index, float value);
    }

    /**
     * The one bilinear kernel every planar resize shares, so that all of them compute each value with
     * the same float expression and round it alike.
     */
    private static void bilinear(RgbImage image, int outWidth, int outHeight, PlanarSink out) {
        int w = image.width();
        byte[] rgb = image.rgb();
        int plane = outWidth * outHeight;
        Taps xs = Taps.of(w, outWidth);
        Taps ys = Taps.of(image.height(), outHeight);
        for (int y = 0; y < outHeight; y++) {
            int r0 = ys.low[y] * w * 3;
            int r1 = ys.high[y] * w * 3;
            float fy = ys.fraction[y];
            for (int x = 0; x < outWidth; x++) {
                int a = xs.low[x] * 3;
                int b = xs.high[x] * 3;
                float wx = xs.fraction[x];
                for (int c = 0; c < 3; c++) {
                    float top = (rgb[r0 + a + c] & 0xFF) * (1 - wx) + (rgb[r0 + b + c] & 0xFF) * wx;
                    float bottom = (rgb[r1 + a + c] & 0xFF) * (1 - wx) + (rgb[r1 + b + c] & 0xFF) * wx;
                    out.put(c * plane + y * outWidth + x, top * (1 - fy) + bottom * fy);
                }
            }
        }
    }

    /**
     * The class mask of per-class scores resized bilinearly: each class's plane ({@code scores[c *
     * height * width + y * width + x]}, from {@code offset}) interpolated at the output pixel, then
     * the class with the highest score (the lower index on a tie). Interpolating scores, not class
     * indices, invents no class: a pixel only takes a class whose score is high around it, and the
     * boundary between two classes falls between the pixels of the small map instead of on their
     * edges, which is what a mask scaled up several times needs to follow an outline.
     */
    public static byte[] bilinearArgmax(float[] scores, int offset, int classes, int width, int height,
                                        int outWidth, int outHeight) {
        if (classes < 1 || classes > 256 || scores.length - offset < (long) classes * width * height) {
            throw new IllegalArgumentException("expected " + classes + " (1 to 256) planes of " + width + "x" + height
                    + " from " + offset + " in " + scores.length + " scores");
        }
        byte[] out = new byte[outWidth * outHeight];
        int plane = width * height;
        Taps xs = Taps.of(width, outWidth);
        Taps ys = Taps.of(height, outHeight);
        for (int y = 0; y < outHeight; y++) {
            int r0 = offset + ys.low[y] * width;
            int r1 = offset + ys.high[y] * width;
            float fy = ys.fraction[y];
            for (int x = 0; x < outWidth; x++) {
                int a = xs.low[x];
                int b = xs.high[x];
                float wx = xs.fraction[x];
                int best = 0;
                float bestScore = Float.NEGATIVE_INFINITY;
                for (int c = 0, p = 0; c < classes; c++, p += plane) {
                    float top = scores[p + r0 + a] * (1 - wx) + scores[p + r0 + b] * wx;
                    float bottom = scores[p + r1 + a] * (1 - wx) + scores[p + r1 + b] * wx;
                    float score = top * (1 - fy) + bottom * fy;
                    if (score > bestScore) {
                        best = c;
                        bestScore = score;
                    }
                }
                out[y * outWidth + x] = (byte) best;
            }
        }
        return out;
    }

    /**
     * For each destination pixel along one axis, the two source pixels around its centre and the
     * weight of the second (half-pixel centres, clamped at the edges).
     */
    private record Taps(int[] low, int[] high, float[] fraction) {
        static Taps of(int srcLength, int dstLength) {
            int[] low = new int[dstLength];
            int[] high = new int[dstLength];
            float[] fraction = new float[dstLength];
            for (int d = 0; d < dstLength; d++) {
                double s = Math.max(0, (d + 0.5) * srcLength / dstLength - 0.5);
                low[d] = Math.min((int) s, srcLength - 1);
                high[d] = Math.min(low[d] + 1, srcLength - 1);
                fraction[d] = (float) (s - low[d]);
            }
            return new Taps(low, high, fraction);
        }
    }
}
