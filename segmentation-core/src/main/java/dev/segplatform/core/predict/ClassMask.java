package dev.segplatform.core.predict;

import java.util.Arrays;

/**
 * A class index per pixel, row-major, at some width and height. Immutable; indices are stored as
 * bytes (at most 256 classes) because masks of full-size photos are large.
 */
public final class ClassMask {

    private final int width;
    private final int height;
    private final byte[] classes;

    private ClassMask(int width, int height, byte[] classes) {
        if (width < 1 || height < 1 || classes.length != (long) width * height) {
            throw new IllegalArgumentException(classes.length + " classes for " + width + "x" + height);
        }
        this.width = width;
        this.height = height;
        this.classes = classes;
    }

    /** A mask from class indices 0..255, row-major; the array is copied. */
    public static ClassMask of(int width, int height, int[] classes) {
        byte[] b = new byte[classes.length];
        for (int i = 0; i < classes.length; i++) {
            if (classes[i] < 0 || classes[i] > 255) {
                throw new IllegalArgumentException("class " + classes[i] + " at " + i + " is not in 0..255");
            }
            b[i] = (byte) classes[i];
        }
        return new ClassMask(width, height, b);
    }

    /** Takes ownership of {@code classes} (unsigned bytes) without copying; callers must not change it. */
    static ClassMask wrap(int width, int height, byte[] classes) {
        return new ClassMask(width, height, classes);
    }

    /** The class bytes themselves, not a copy: for encoders in this package, which must not change them. */
    byte[] bytes() {
        return classes;
    }

    public int width() {
        return width;
    }

    public int height() {
        return height;
    }

    /** The class at column {@code x}, row {@code y}. */
    public int get(int x, int y) {
        return classes[y * width + x] & 0xFF;
    }

    /** The class of pixel {@code i} in row-major order. */
    public int get(int i) {
        return classes[i] & 0xFF;
    }

    public int size() {
        return classes.length;
    }

    public int[] toArray() {
        int[] out = new int[classes.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = classes[i] & 0xFF;
        }
        return out;
    }

    /** Pixels per class for classes {@code 0..numClasses-1}. */
    public long[] pixelCounts(int numClasses) {
        long[] counts = new long[numClasses];
        for (byte c : classes) {
            int k = c & 0xFF;
            if (k >= numClasses) {
                throw new IllegalStateException("mask holds class " + k + ", more than " + numClasses + " classes");
            }
            counts[k]++;
        }
        return counts;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ClassMask m && m.width == width && m.height == height && Arrays.equals(m.classes, classes);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * width + height) + Arrays.hashCode(classes);
    }

    @Override
    public String toString() {
        return "ClassMask[" + width + "x" + height + "]";
    }
}
