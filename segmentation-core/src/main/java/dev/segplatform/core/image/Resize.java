package dev.segplatform.core.image;

/**
 * Resizing with the conventions every part of the platform must share, so training and
 * inference see identical pixels: pixel centres at half-integers (as OpenCV, PIL and
 * TensorFlow's {@code half_pixel_centers}), bilinear for images and nearest neighbour for class
 * masks, because interpolating class indices would invent classes (between pet 0 and border 2
 * lies background 1).
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
        float[] planar = bilinearPlanar(image, outWidth, outHeight);
        byte[] out = new byte[planar.length];
        for (int i = 0; i < planar.length; i++) {
            out[i] = (byte) Math.max(0, Math.min(255, Math.round(planar[i])));
        }
        return out;
    }

    /**
     * Bilinear resize to planar (CHW) values in 0..255: {@code out[c * outH * outW + y * outW + x]}.
     */
    public static float[] bilinearPlanar(RgbImage image, int outWidth, int outHeight) {
        int w = image.width();
        int h = image.height();
        byte[] rgb = image.rgb();
        float[] out = new float[3 * outWidth * outHeight];
        int plane = outWidth * outHeight;
        int[] x0 = new int[outWidth];
        int[] x1 = new int[outWidth];
        float[] fx = new float[outWidth];
        for (int x = 0; x < outWidth; x++) {
            double sx = Math.max(0, (x + 0.5) * w / outWidth - 0.5);
            x0[x] = Math.min((int) sx, w - 1);
            x1[x] = Math.min(x0[x] + 1, w - 1);
            fx[x] = (float) (sx - x0[x]);
        }
        for (int y = 0; y < outHeight; y++) {
            double sy = Math.max(0, (y + 0.5) * h / outHeight - 0.5);
            int y0 = Math.min((int) sy, h - 1);
            int y1 = Math.min(y0 + 1, h - 1);
            float fy = (float) (sy - y0);
            int r0 = y0 * w * 3;
            int r1 = y1 * w * 3;
            for (int x = 0; x < outWidth; x++) {
                int a = x0[x] * 3;
                int b = x1[x] * 3;
                float wx = fx[x];
                for (int c = 0; c < 3; c++) {
                    float top = (rgb[r0 + a + c] & 0xFF) * (1 - wx) + (rgb[r0 + b + c] & 0xFF) * wx;
                    float bottom = (rgb[r1 + a + c] & 0xFF) * (1 - wx) + (rgb[r1 + b + c] & 0xFF) * wx;
                    out[c * plane + y * outWidth + x] = top * (1 - fy) + bottom * fy;
                }
            }
        }
        return out;
    }
}
