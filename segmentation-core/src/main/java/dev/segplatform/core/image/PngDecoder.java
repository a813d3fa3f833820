package dev.segplatform.core.image;

import java.util.Arrays;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * Decodes the PNGs that almost every upload and data set file is (8 bits per sample, not
 * interlaced; gray, gray + alpha, RGB, RGBA, or a palette with or without {@code tRNS}) straight
 * into an {@link RgbImage}, without ImageIO's stream, reader and {@code BufferedImage}.
 *
 * <p>It must give exactly the pixels {@link ImageDecoder#toRgb} gives for what ImageIO decodes,
 * because training and serving share the decoder: gray replicated from the raw sample, alpha
 * composited over white the same way, no gamma. So whenever a file is outside what this class is
 * sure of (other depths, interlacing, an {@code iCCP} profile that ImageIO would turn into a
 * non-sRGB colour space, a colour-key {@code tRNS} on gray or RGB, an unusual palette, a palette
 * index past the palette, an unknown critical chunk) {@link #decode} answers {@code null} and the
 * caller uses ImageIO as before. Data that is surely broken (truncated or corrupt image data, an
 * unknown row filter) is an {@link UnreadableImageException}, as ImageIO reports it.
 *
 * <p>Chunk CRCs are not checked, like ImageIO's PNG reader does not: a file that decoded before
 * still decodes, and zlib's own checksum and the exact amount of pixel data still catch damage to
 * the image data.
 */
final class PngDecoder {

    static final byte[] SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};

    private static final int IHDR = 0x49484452;
    private static final int PLTE = 0x504C5445;
    private static final int TRNS = 0x74524E53;
    private static final int IDAT = 0x49444154;
    private static final int IEND = 0x49454E44;
    private static final int ICCP = 0x69434350;

    private static final int GRAY = 0;
    private static final int RGB = 2;
    private static final int PALETTE = 3;
    private static final int GRAY_ALPHA = 4;
    private static final int RGBA = 6;

    /** A header is the signature and a whole IHDR chunk (length, type, 13 bytes, CRC). */
    private static final int HEADER_BYTES = 8 + 8 + 13 + 4;

    private PngDecoder() {
    }

    static boolean isPng(byte[] bytes) {
        if (bytes.length < SIGNATURE.length) {
            return false;
        }
        for (int i = 0; i < SIGNATURE.length; i++) {
            if (bytes[i] != SIGNATURE[i]) {
                return false;
            }
        }
        return true;
    }

    /** Width and height from IHDR; the caller has checked the signature. */
    static ImageSize probe(byte[] bytes) throws UnreadableImageException {
        if (bytes.length < HEADER_BYTES || readInt(bytes, 8) != 13 || readInt(bytes, 12) != IHDR) {
            throw new UnreadableImageException("cannot read the image header: PNG without a whole IHDR chunk");
        }
        int width = readInt(bytes, 16);
        int height = readInt(bytes, 20);
        if (width <= 0 || height <= 0) {
            throw new UnreadableImageException("cannot read the image header: PNG size "
                    + Integer.toUnsignedString(width) + "x" + Integer.toUnsignedString(height));
        }
        return new ImageSize(width, height);
    }

    /**
     * The image, or {@code null} when it is not a kind decoded here (then ImageIO decodes it). The
     * caller has checked the signature and, if it has a pixel limit, the size from {@link #probe}.
     */
    static RgbImage decode(byte[] bytes) throws UnreadableImageException {
        ImageSize size = probe(bytes);
        int depth = bytes[24] & 0xFF;
        int colourType = bytes[25] & 0xFF;
        int compression = bytes[26] & 0xFF;
        int filterMethod = bytes[27] & 0xFF;
        int interlace = bytes[28] & 0xFF;
        int channels = switch (colourType) {
            case GRAY, PALETTE -> 1;
            case GRAY_ALPHA -> 2;
            case RGB -> 3;
            case RGBA -> 4;
            default -> 0;
        };
        if (depth != 8 || channels == 0 || compression != 0 || filterMethod != 0 || interlace != 0) {
            return null;
        }
        long width = size.width();
        long height = size.height();
        // The output array and a row must be Java arrays; bigger images are ImageIO's to refuse.
        if (width * height * 3 > Integer.MAX_VALUE - 16 || width * channels + 1 > Integer.MAX_VALUE - 16) {
            return null;
        }
        byte[] palette = null;
        byte[] alphas = null;
        int paletteEntries = 0;
        Inflater inflater = new Inflater();
        try {
            int at = HEADER_BYTES;
            boolean sawData = false;
            // Walk the chunks up to the first IDAT, which is where the pixel data starts.
            while (true) {
                if (at + 8 > bytes.length) {
                    throw new UnreadableImageException("cannot decode the image: PNG ends before its image data");
                }
                int length = readInt(bytes, at);
                int type = readInt(bytes, at + 4);
                if (length < 0 || (long) at + 12 + length > bytes.length && type != IDAT) {
                    throw new UnreadableImageException("cannot decode the image: PNG chunk "
                            + chunkName(type) + " claims " + Integer.toUnsignedString(length)
                            + " bytes, more than the file holds");
                }
                if (type == IDAT) {
                    sawData = true;
                    break;
                }
                if (type == IEND) {
                    break;
                }
                int data = at + 8;
                if (type == PLTE) {
                    if (palette != null || length == 0 || length % 3 != 0 || length > 256 * 3) {
                        return null;
                    }
                    palette = new byte[length];
                    System.arraycopy(bytes, data, palette, 0, length);
                    paletteEntries = length / 3;
                } else if (type == TRNS) {
                    if (colourType != PALETTE || palette == null || alphas != null || length > paletteEntries) {
                        return null;
                    }
                    alphas = new byte[paletteEntries];
                    Arrays.fill(alphas, (byte) 0xFF);
                    System.arraycopy(bytes, data, alphas, 0, length);
                } else if (type == ICCP || isCritical(type)) {
                    return null;
                }
                at += 12 + length;
            }
            if (!sawData) {
                throw new UnreadableImageException("cannot decode the image: PNG without image data");
            }
            if (colourType == PALETTE && palette == null) {
                return null;
            }
            return new Rows(bytes, at, inflater, size.width(), size.height(), channels)
                    .decode(colourType, palette, alphas);
        } finally {
            inflater.end();
        }
    }

    /**
     * The inflated scanlines, one row at a time, fed from consecutive IDAT chunks through a window
     * of at most {@link #WINDOW} bytes. Why not straight into each row: zlib decodes fast only while
     * at least 258 bytes of output space are left, so inflating a 385-byte row at a time (a 128 px
     * RGB image) ran two thirds of it on zlib's slow path and took twice as long.
     */
    private static final class Rows {
        private static final int WINDOW = 64 * 1024;

        private final byte[] bytes;
        private final Inflater inflater;
        private final int width;
        private final int height;
        private final int channels;
        private final byte[] window;
        /** Scanline bytes not yet inflated: exactly what the rows still need, never more. */
        private long remaining;
        private int windowAt;
        private int windowEnd;
        private int next;

        Rows(byte[] bytes, int firstIdat, Inflater inflater, int width, int height, int channels) {
            this.bytes = bytes;
            this.next = firstIdat;
            this.inflater = inflater;
            this.width = width;
            this.height = height;
            this.channels = channels;
            this.remaining = (long) height * (width * channels + 1);
            this.window = new byte[(int) Math.min(remaining, Math.max(WINDOW, width * channels + 1))];
        }

        RgbImage decode(int colourType, byte[] palette, byte[] alphas) throws UnreadableImageException {
            int stride = width * channels;
            // Index 0 of each row is the filter byte; the previous row starts out as zeros.
            byte[] previous = new byte[stride + 1];
            byte[] current = new byte[stride + 1];
            byte[] out = new byte[width * height * 3];
            int o = 0;
            for (int y = 0; y < height; y++) {
                fill(current);
                unfilter(current, previous, channels);
                switch (colourType) {
                    case GRAY -> {
                        for (int x = 1; x <= stride; x++) {
                            byte g = current[x];
                            out[o++] = g;
                            out[o++] = g;
                            out[o++] = g;
                        }
                    }
                    case GRAY_ALPHA -> {
                        for (int x = 1; x < stride; x += 2) {
                            int a = current[x + 1] & 0xFF;
                            byte g = (byte) ImageDecoder.overWhite(current[x] & 0xFF, a, false);
                            out[o++] = g;
                            out[o++] = g;
                            out[o++] = g;
                        }
                    }
                    case RGB -> {
                        System.arraycopy(current, 1, out, o, stride);
                        o += stride;
                    }
                    case RGBA -> {
                        for (int x = 1; x < stride; x += 4) {
                            int a = current[x + 3] & 0xFF;
                            out[o++] = (byte) ImageDecoder.overWhite(current[x] & 0xFF, a, false);
                            out[o++] = (byte) ImageDecoder.overWhite(current[x + 1] & 0xFF, a, false);
                            out[o++] = (byte) ImageDecoder.overWhite(current[x + 2] & 0xFF, a, false);
                        }
                    }
                    default -> {
                        int entries = palette.length / 3;
                        for (int x = 1; x <= stride; x++) {
                            int i = current[x] & 0xFF;
                            if (i >= entries) {
                                // ImageIO pads short palettes in its own way; leave such files to it.
                                return null;
                            }
                            int a = alphas == null ? 255 : alphas[i] & 0xFF;
                            out[o++] = (byte) ImageDecoder.overWhite(palette[3 * i] & 0xFF, a, false);
                            out[o++] = (byte) ImageDecoder.overWhite(palette[3 * i + 1] & 0xFF, a, false);
                            out[o++] = (byte) ImageDecoder.overWhite(palette[3 * i + 2] & 0xFF, a, false);
                        }
                    }
                }
                byte[] swap = previous;
                previous = current;
                current = swap;
            }
            return new RgbImage(width, height, out);
        }

        /** Exactly one scanline (filter byte included) into {@code row}, from the window. */
        private void fill(byte[] row) throws UnreadableImageException {
            int filled = 0;
            while (filled < row.length) {
                if (windowAt == windowEnd) {
                    refill();
                }
                int n = Math.min(row.length - filled, windowEnd - windowAt);
                System.arraycopy(window, windowAt, row, filled, n);
                windowAt += n;
                filled += n;
            }
        }

        /** Inflates the window full, or as far as the image data the rows still need. */
        private void refill() throws UnreadableImageException {
            int want = (int) Math.min(window.length, remaining);
            int filled = 0;
            try {
                while (filled < want) {
                    int n = inflater.inflate(window, filled, want - filled);
                    filled += n;
                    if (n > 0) {
                        continue;
                    }
                    if (inflater.finished() || inflater.needsDictionary()) {
                        throw new UnreadableImageException("cannot decode the image: PNG image data ends early");
                    }
                    if (inflater.needsInput()) {
                        feed();
                    }
                }
            } catch (DataFormatException e) {
                throw new UnreadableImageException("cannot decode the image: corrupt PNG image data: "
                        + e.getMessage(), e);
            }
            remaining -= want;
            windowAt = 0;
            windowEnd = want;
        }

        /** Hands the next IDAT chunk's data (as much of it as the file holds) to the inflater. */
        private void feed() throws UnreadableImageException {
            while (next + 8 <= bytes.length) {
                int length = readInt(bytes, next);
                int type = readInt(bytes, next + 4);
                if (type != IDAT || length < 0) {
                    break;
                }
                int data = next + 8;
                int available = (int) Math.min(length, (long) bytes.length - data);
                next = data + length + 4;
                if (available > 0) {
                    inflater.setInput(bytes, data, available);
                    return;
                }
            }
            throw new UnreadableImageException("cannot decode the image: PNG image data is truncated");
        }
    }

    /** Undoes the row's filter in place ({@code row[0]} is the filter type). */
    static void unfilter(byte[] row, byte[] previous, int bpp) throws UnreadableImageException {
        int n = row.length;
        switch (row[0]) {
            case 0 -> {
            }
            case 1 -> {
                for (int i = 1 + bpp; i < n; i++) {
                    row[i] += row[i - bpp];
                }
            }
            case 2 -> {
                for (int i = 1; i < n; i++) {
                    row[i] += previous[i];
                }
            }
            case 3 -> {
                for (int i = 1; i < n; i++) {
                    int left = i > bpp ? row[i - bpp] & 0xFF : 0;
                    row[i] += (byte) ((left + (previous[i] & 0xFF)) >>> 1);
                }
            }
            case 4 -> {
                for (int i = 1; i < n; i++) {
                    int a = i > bpp ? row[i - bpp] & 0xFF : 0;
                    int b = previous[i] & 0xFF;
                    int c = i > bpp ? previous[i - bpp] & 0xFF : 0;
                    row[i] += (byte) paeth(a, b, c);
                }
            }
            default -> throw new UnreadableImageException("cannot decode the image: unknown PNG row filter "
                    + (row[0] & 0xFF));
        }
    }

    private static int paeth(int a, int b, int c) {
        int p = a + b - c;
        int pa = Math.abs(p - a);
        int pb = Math.abs(p - b);
        int pc = Math.abs(p - c);
        if (pa <= pb && pa <= pc) {
            return a;
        }
        return pb <= pc ? b : c;
    }

    /** Critical chunks have an upper-case first letter; one not known here may change the pixels. */
    private static boolean isCritical(int type) {
        return (type & 0x20000000) == 0;
    }

    private static String chunkName(int type) {
        char[] name = new char[4];
        for (int i = 0; i < 4; i++) {
            int c = (type >>> (24 - 8 * i)) & 0xFF;
            name[i] = c >= 32 && c < 127 ? (char) c : '?';
        }
        return new String(name);
    }

    static int readInt(byte[] b, int at) {
        return (b[at] & 0xFF) << 24 | (b[at + 1] & 0xFF) << 16 | (b[at + 2] & 0xFF) << 8 | (b[at + 3] & 0xFF);
    }
}
