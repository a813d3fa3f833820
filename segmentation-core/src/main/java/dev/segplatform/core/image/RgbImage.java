package dev.segplatform.core.image;

import java.util.Objects;

/**
 * An 8-bit RGB image, pixels interleaved row-major ({@code r,g,b,r,g,b,...}), {@code width * height * 3}
 * bytes (read them with {@code & 0xFF}).
 *
 * <p>The array is shared, not copied: treat it as read-only.
 */
public record RgbImage(int width, int height, byte[] rgb) {

    public RgbImage {
        Objects.requireNonNull(rgb, "rgb");
        if (width <= 0 || height <= 0) {
            throw new IllegalArgumentException("image size must be positive: " + width + "x" + height);
        }
        if (rgb.length != (long) width * height * 3) {
            throw new IllegalArgumentException(
                    "expected " + (long) width * height * 3 + " bytes for " + width + "x" + height + ", got " + rgb.length);
        }
    }

    /** Channel {@code c} (0 = red) of pixel (x, y), 0..255. */
    public int get(int x, int y, int c) {
        return rgb[(y * width + x) * 3 + c] & 0xFF;
    }
}
