package dev.segplatform.core.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.Transparency;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.IndexColorModel;
import java.awt.image.WritableRaster;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.Random;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

/**
 * The PNG decoder gives exactly the pixels of the ImageIO path ({@code toRgb(read(bytes))}) that it
 * replaces for the common kinds, leaves the other kinds to ImageIO, and reports broken files as
 * ImageIO does.
 */
class PngDecoderTest {

    private final Random random = new Random(20);

    @Test
    void everySupportedKindWrittenByImageIoDecodesToTheImageIoPixels() throws IOException {
        for (int[] size : new int[][] {{1, 1}, {37, 23}, {128, 128}}) {
            int w = size[0];
            int h = size[1];
            BufferedImage gray = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
            BufferedImage rgb = new BufferedImage(w, h, BufferedImage.TYPE_3BYTE_BGR);
            BufferedImage rgba = new BufferedImage(w, h, BufferedImage.TYPE_4BYTE_ABGR);
            ComponentColorModel grayAlphaModel = new ComponentColorModel(ColorSpace.getInstance(ColorSpace.CS_GRAY),
                    true, false, Transparency.TRANSLUCENT, DataBuffer.TYPE_BYTE);
            BufferedImage grayAlpha = new BufferedImage(grayAlphaModel,
                    grayAlphaModel.createCompatibleWritableRaster(w, h), false, null);
            BufferedImage palette = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_INDEXED, colours(200, false));
            BufferedImage paletteAlpha = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_INDEXED, colours(7, true));
            for (BufferedImage image : new BufferedImage[] {gray, rgb, rgba, grayAlpha, palette, paletteAlpha}) {
                randomise(image);
                byte[] png = write(image);
                assertThat(PngDecoder.decode(png)).as("decoded without ImageIO: %s", image).isNotNull();
                assertSamePixels(png);
            }
        }
    }

    @Test
    void handWrittenPngsWithEveryFilterAndManyIdatChunksDecodeToTheImageIoPixels() throws IOException {
        int w = 29;
        int h = 17;
        for (int colourType : new int[] {0, 2, 3, 4, 6}) {
            int channels = switch (colourType) {
                case 0, 3 -> 1;
                case 4 -> 2;
                case 2 -> 3;
                default -> 4;
            };
            byte[] samples = new byte[w * h * channels];
            random.nextBytes(samples);
            // Flat stretches too, where the filters' differences are zero.
            Arrays.fill(samples, 0, w * channels * 3, (byte) 200);
            byte[] plte = null;
            byte[] trns = null;
            if (colourType == 3) {
                for (int i = 0; i < samples.length; i++) {
                    samples[i] = (byte) ((samples[i] & 0xFF) % 40);
                }
                plte = new byte[40 * 3];
                random.nextBytes(plte);
                trns = new byte[25];
                random.nextBytes(trns);
                trns[0] = 0;
                trns[1] = (byte) 255;
            }
            for (int filter = 0; filter <= 5; filter++) {
                // 0 to 4: that filter on every row; 5: the filters in turn, row by row.
                byte[] png = png(w, h, colourType, 0, samples, channels, filter, plte, trns, 7);
                assertThat(PngDecoder.decode(png)).as("colour type %d, filter %d", colourType, filter).isNotNull();
                assertSamePixels(png);
            }
        }
    }

    @Test
    void imageDataLongerThanTheInflateWindowDecodesAcrossItsEdges() throws IOException {
        // 301 x 250 RGB: 226,000 bytes of scanlines, over three 64 KiB windows, and a 904-byte row
        // straddles every window's edge.
        int w = 301;
        int h = 250;
        byte[] samples = new byte[w * h * 3];
        random.nextBytes(samples);
        byte[] png = png(w, h, 2, 0, samples, 3, 5, null, null, 9);
        assertThat(PngDecoder.decode(png)).isNotNull();
        assertSamePixels(png);
        // Cut inside the second window: refused, not padded.
        int idat = indexOf(png, "IDAT") - 4;
        byte[] truncated = Arrays.copyOf(png, idat + 8 + 100_000);
        assertThatThrownBy(() -> ImageDecoder.decode(truncated, 1_000_000))
                .isInstanceOf(UnreadableImageException.class);
    }

    @Test
    void otherKindsAreLeftToImageIoAndStillDecode() throws IOException {
        BufferedImage deep = new BufferedImage(9, 7, BufferedImage.TYPE_USHORT_GRAY);
        randomise(deep);
        BufferedImage binary = new BufferedImage(9, 7, BufferedImage.TYPE_BYTE_BINARY);
        randomise(binary);
        for (BufferedImage image : new BufferedImage[] {deep, binary}) {
            byte[] png = write(image);
            assertThat(PngDecoder.decode(png)).isNull();
            assertThat(ImageDecoder.decode(png).rgb()).isEqualTo(ImageDecoder.toRgb(ImageDecoder.read(png)).rgb());
        }
        byte[] samples = new byte[9 * 7 * 3];
        random.nextBytes(samples);
        byte[] interlaced = png(9, 7, 2, 1, samples, 3, 0, null, null, 1);
        assertThat(PngDecoder.decode(interlaced)).isNull();
        // A palette index past the palette: ImageIO's padding decides what it shows.
        byte[] indices = new byte[9 * 7];
        indices[5] = 9;
        byte[] shortPalette = png(9, 7, 3, 0, indices, 1, 0, new byte[3 * 4], null, 1);
        assertThat(PngDecoder.decode(shortPalette)).isNull();
        assertThat(ImageDecoder.decode(shortPalette).rgb())
                .isEqualTo(ImageDecoder.toRgb(ImageDecoder.read(shortPalette)).rgb());
    }

    /**
     * Ancillary chunks that do not change ImageIO's pixels (gamma, text) are skipped; a colour-key
     * {@code tRNS} on RGB and an unknown critical chunk leave the file to ImageIO.
     */
    @Test
    void ancillaryChunksAreSkippedAndChunksThatMayChangeThePixelsLeaveTheFileToImageIo() throws IOException {
        byte[] samples = new byte[11 * 6 * 3];
        random.nextBytes(samples);
        samples[0] = 10;
        samples[1] = 20;
        samples[2] = 30;
        byte[] plain = png(11, 6, 2, 0, samples, 3, 5, null, null, 2);
        byte[] withGamma = insertChunk(insertChunk(plain, "gAMA", new byte[] {0, 0, (byte) 0xB1, (byte) 0x8F}),
                "tEXt", "Comment\0hello".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
        assertThat(PngDecoder.decode(withGamma)).isNotNull();
        assertSamePixels(withGamma);
        assertThat(ImageDecoder.decode(withGamma).rgb()).isEqualTo(samples);
        byte[] colourKey = insertChunk(plain, "tRNS", new byte[] {0, 10, 0, 20, 0, 30});
        byte[] unknownCritical = insertChunk(plain, "ABCD", new byte[] {1, 2, 3});
        assertThat(PngDecoder.decode(colourKey)).isNull();
        assertThat(ImageDecoder.decode(colourKey).rgb()).isEqualTo(ImageDecoder.toRgb(ImageDecoder.read(colourKey)).rgb());
        assertThat(PngDecoder.decode(unknownCritical)).isNull();
    }

    @Test
    void aWrongCrcIsIgnoredLikeImageIoDoes() throws IOException {
        byte[] samples = new byte[12 * 5 * 3];
        random.nextBytes(samples);
        byte[] png = png(12, 5, 2, 0, samples, 3, 4, null, null, 3);
        // The IHDR CRC sits at bytes 29..32; the first IDAT's CRC follows its data.
        png[29] ^= 0x55;
        int idatLength = PngDecoder.readInt(png, 33);
        png[33 + 8 + idatLength] ^= 0x55;
        assertSamePixels(png);
        assertThat(ImageDecoder.decode(png).rgb()).isEqualTo(samples);
    }

    @Test
    void brokenImageDataIsUnreadableOnBothPaths() throws IOException {
        byte[] samples = new byte[40 * 30 * 3];
        random.nextBytes(samples);
        byte[] png = png(40, 30, 2, 0, samples, 3, 1, null, null, 4);
        int idat = indexOf(png, "IDAT") - 4;
        byte[] truncated = Arrays.copyOf(png, idat + 8 + 100);
        byte[] badFilter = png(40, 30, 2, 0, samples, 3, 7, null, null, 1);
        byte[] corrupt = png.clone();
        for (int i = idat + 10; i < idat + 40; i++) {
            corrupt[i] = (byte) 0xFF;
        }
        byte[] noData = Arrays.copyOf(png, idat);
        // A chunk before the data claiming more bytes than the file has.
        byte[] longChunk = insertChunk(png, "gAMA", new byte[4]);
        longChunk[33] = 0x7F;
        for (byte[] broken : new byte[][] {truncated, badFilter, corrupt, noData, longChunk}) {
            assertThatThrownBy(() -> ImageDecoder.decode(broken, 1_000_000))
                    .isInstanceOf(UnreadableImageException.class);
            assertThatThrownBy(() -> ImageDecoder.toRgb(ImageDecoder.read(broken)))
                    .isInstanceOf(UnreadableImageException.class);
        }
    }

    @Test
    void hostileHeadersAreRefusedFromTheHeaderAlone() throws IOException {
        byte[] bomb = png(1, 1, 2, 0, new byte[3], 3, 0, null, null, 1);
        writeInt(bomb, 16, 60_000);
        writeInt(bomb, 20, 50_000);
        assertThat(ImageDecoder.probe(bomb)).isEqualTo(new ImageSize(60_000, 50_000));
        assertThatThrownBy(() -> ImageDecoder.decode(bomb, 40_000_000))
                .isInstanceOf(ImageTooLargeException.class)
                .hasMessageContaining("60000x50000");
        byte[] negative = bomb.clone();
        writeInt(negative, 16, -5);
        byte[] zero = bomb.clone();
        writeInt(zero, 20, 0);
        byte[] shortHeader = Arrays.copyOf(bomb, 20);
        byte[] wrongIhdrLength = bomb.clone();
        writeInt(wrongIhdrLength, 8, 12);
        for (byte[] hostile : new byte[][] {negative, zero, shortHeader, wrongIhdrLength}) {
            assertThatThrownBy(() -> ImageDecoder.probe(hostile)).isInstanceOf(UnreadableImageException.class);
            assertThatThrownBy(() -> ImageDecoder.decode(hostile, 40_000_000))
                    .isInstanceOf(UnreadableImageException.class);
        }
    }

    private static void assertSamePixels(byte[] png) throws IOException {
        RgbImage reference = ImageDecoder.toRgb(ImageDecoder.read(png));
        RgbImage fast = ImageDecoder.decode(png, Long.MAX_VALUE);
        assertThat(fast.width()).isEqualTo(reference.width());
        assertThat(fast.height()).isEqualTo(reference.height());
        assertThat(fast.rgb()).isEqualTo(reference.rgb());
        assertThat(ImageDecoder.probe(png)).isEqualTo(new ImageSize(reference.width(), reference.height()));
    }

    private IndexColorModel colours(int n, boolean alpha) {
        byte[] r = new byte[n];
        byte[] g = new byte[n];
        byte[] b = new byte[n];
        byte[] a = new byte[n];
        random.nextBytes(r);
        random.nextBytes(g);
        random.nextBytes(b);
        random.nextBytes(a);
        a[0] = 0;
        a[1] = (byte) 255;
        return alpha ? new IndexColorModel(8, n, r, g, b, a) : new IndexColorModel(8, n, r, g, b);
    }

    private void randomise(BufferedImage image) {
        WritableRaster raster = image.getRaster();
        int max = image.getColorModel() instanceof IndexColorModel icm ? icm.getMapSize() : -1;
        for (int y = 0; y < raster.getHeight(); y++) {
            for (int x = 0; x < raster.getWidth(); x++) {
                for (int band = 0; band < raster.getNumBands(); band++) {
                    int bits = raster.getSampleModel().getSampleSize(band);
                    int bound = max > 0 ? max : 1 << bits;
                    // Some fully transparent and fully opaque pixels among the random ones.
                    int v = x % 5 == 0 ? 0 : x % 5 == 1 ? bound - 1 : random.nextInt(bound);
                    raster.setSample(x, y, band, v);
                }
            }
        }
    }

    private static byte[] write(BufferedImage image) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertThat(ImageIO.write(image, "png", out)).isTrue();
        return out.toByteArray();
    }

    /**
     * A PNG written by hand: {@code filter} 0 to 4 on every row, 5 for the filters in turn, anything
     * else as an invalid filter byte; the deflated data split over {@code idatChunks} chunks.
     */
    static byte[] png(int w, int h, int colourType, int interlace, byte[] samples, int bpp, int filter,
                      byte[] plte, byte[] trns, int idatChunks) throws IOException {
        int stride = w * bpp;
        byte[] raw = new byte[(stride + 1) * h];
        byte[] zero = new byte[stride];
        for (int y = 0; y < h; y++) {
            int type = filter == 5 ? y % 5 : filter;
            raw[y * (stride + 1)] = (byte) type;
            for (int i = 0; i < stride; i++) {
                int x = samples[y * stride + i] & 0xFF;
                int a = i >= bpp ? samples[y * stride + i - bpp] & 0xFF : 0;
                int b = y > 0 ? samples[(y - 1) * stride + i] & 0xFF : zero[i];
                int c = y > 0 && i >= bpp ? samples[(y - 1) * stride + i - bpp] & 0xFF : 0;
                int predicted = switch (type) {
                    case 1 -> a;
                    case 2 -> b;
                    case 3 -> (a + b) / 2;
                    case 4 -> paeth(a, b, c);
                    default -> 0;
                };
                raw[y * (stride + 1) + 1 + i] = (byte) (x - predicted);
            }
        }
        Deflater deflater = new Deflater();
        deflater.setInput(raw);
        deflater.finish();
        ByteArrayOutputStream compressed = new ByteArrayOutputStream();
        byte[] buffer = new byte[4096];
        while (!deflater.finished()) {
            compressed.write(buffer, 0, deflater.deflate(buffer));
        }
        deflater.end();
        byte[] data = compressed.toByteArray();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(PngDecoder.SIGNATURE);
        byte[] ihdr = new byte[13];
        writeInt(ihdr, 0, w);
        writeInt(ihdr, 4, h);
        ihdr[8] = 8;
        ihdr[9] = (byte) colourType;
        ihdr[12] = (byte) interlace;
        chunk(out, "IHDR", ihdr);
        if (plte != null) {
            chunk(out, "PLTE", plte);
        }
        if (trns != null) {
            chunk(out, "tRNS", trns);
        }
        int piece = Math.max(1, (data.length + idatChunks - 1) / idatChunks);
        for (int at = 0; at < data.length; at += piece) {
            chunk(out, "IDAT", Arrays.copyOfRange(data, at, Math.min(data.length, at + piece)));
        }
        chunk(out, "IEND", new byte[0]);
        return out.toByteArray();
    }

    private static int paeth(int a, int b, int c) {
        int p = a + b - c;
        int pa = Math.abs(p - a);
        int pb = Math.abs(p - b);
        int pc = Math.abs(p - c);
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }

    private static void chunk(ByteArrayOutputStream out, String type, byte[] data) {
        byte[] header = new byte[8];
        writeInt(header, 0, data.length);
        System.arraycopy(type.getBytes(java.nio.charset.StandardCharsets.US_ASCII), 0, header, 4, 4);
        out.writeBytes(header);
        out.writeBytes(data);
        CRC32 crc = new CRC32();
        crc.update(header, 4, 4);
        crc.update(data);
        byte[] tail = new byte[4];
        writeInt(tail, 0, (int) crc.getValue());
        out.writeBytes(tail);
    }

    /** {@code png} with a chunk inserted right after IHDR. */
    private static byte[] insertChunk(byte[] png, String type, byte[] data) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(png, 0, 33);
        chunk(out, type, data);
        out.write(png, 33, png.length - 33);
        return out.toByteArray();
    }

    private static int indexOf(byte[] bytes, String type) {
        byte[] t = type.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        outer:
        for (int i = 0; i + 4 <= bytes.length; i++) {
            for (int j = 0; j < 4; j++) {
                if (bytes[i + j] != t[j]) {
                    continue outer;
                }
            }
            return i;
        }
        throw new AssertionError(type + " not found");
    }

    private static void writeInt(byte[] b, int at, int v) {
        b[at] = (byte) (v >>> 24);
        b[at + 1] = (byte) (v >>> 16);
        b[at + 2] = (byte) (v >>> 8);
        b[at + 3] = (byte) v;
    }
}
