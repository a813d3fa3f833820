package dev.segplatform.core.predict;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.segplatform.core.image.ImageSize;
import dev.segplatform.core.image.ImageTooLargeException;
import dev.segplatform.core.image.Resize;
import dev.segplatform.core.image.RgbImage;
import dev.segplatform.core.image.UnreadableImageException;
import java.awt.image.BufferedImage;
import java.awt.image.DataBuffer;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class ImagePreprocessorTest {

    private final ImagePreprocessor preprocessor = new ImagePreprocessor(16);

    /** The KServe tensor path: a tensor of another size is resampled to the model's input, one of that size passes. */
    @Test
    void aTensorIsBroughtToTheInputSize() {
        INDArray ramp = Nd4j.linspace(0, 1, 64, DataType.FLOAT).reshape(1, 1, 1, 64).repeat(2, 64).repeat(1, 3);
        INDArray resized = ImagePreprocessor.toInputSize(ramp, 32);

        assertThat(resized.shape()).containsExactly(1, 3, 32, 32);
        // Bilinear keeps a linear ramp linear and within its range; rows stay equal.
        assertThat(resized.getDouble(0, 1, 5, 0)).isLessThan(resized.getDouble(0, 1, 5, 31));
        assertThat(resized.getDouble(0, 2, 0, 10)).isCloseTo(resized.getDouble(0, 2, 31, 10), within(1e-6));
        assertThat(resized.minNumber().doubleValue()).isGreaterThanOrEqualTo(0);
        assertThat(resized.maxNumber().doubleValue()).isLessThanOrEqualTo(1 + 1e-6);

        INDArray same = Nd4j.rand(DataType.FLOAT, 1, 3, 32, 32);
        assertThat(ImagePreprocessor.toInputSize(same, 32)).isSameAs(same);
    }

    @Test
    void rgbJpegBecomesAUnitRangeNchwTensorAndRemembersItsSize() throws IOException {
        BufferedImage image = new BufferedImage(60, 40, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 40; y++) {
            for (int x = 0; x < 60; x++) {
                image.setRGB(x, y, x < 30 ? 0xFF0000 : 0x0000FF);
            }
        }
        PreparedImage prepared = preprocessor.prepare(encode(image, "jpeg"));
        INDArray in = prepared.input();
        assertThat(in.shape()).containsExactly(1, 3, 16, 16);
        assertThat(prepared.originalWidth()).isEqualTo(60);
        assertThat(prepared.originalHeight()).isEqualTo(40);
        assertThat(in.minNumber().doubleValue()).isGreaterThanOrEqualTo(0);
        assertThat(in.maxNumber().doubleValue()).isLessThanOrEqualTo(1);
        assertThat(in.getDouble(0, 0, 8, 2)).isGreaterThan(0.9);
        assertThat(in.getDouble(0, 2, 8, 2)).isLessThan(0.1);
        assertThat(in.getDouble(0, 2, 8, 13)).isGreaterThan(0.9);
    }

    @Test
    void eightBitGrayPngGivesThreeEqualChannelsWithoutGammaShift() throws IOException {
        BufferedImage gray = new BufferedImage(20, 20, BufferedImage.TYPE_BYTE_GRAY);
        fill(gray, 0, 100);
        INDArray in = preprocessor.prepare(encode(gray, "png")).input();
        assertThat(in.shape()).containsExactly(1, 3, 16, 16);
        for (int c = 0; c < 3; c++) {
            assertThat(in.getDouble(0, c, 5, 5)).isCloseTo(100 / 255.0, within(1e-6));
        }
    }

    @Test
    void sixteenBitGrayPngIsScaledToEightBits() throws IOException {
        BufferedImage gray = new BufferedImage(20, 20, BufferedImage.TYPE_USHORT_GRAY);
        fill(gray, 0, 0x8080);
        INDArray in = preprocessor.prepare(encode(gray, "png")).input();
        for (int c = 0; c < 3; c++) {
            assertThat(in.getDouble(0, c, 7, 7)).isCloseTo(128 / 255.0, within(1e-6));
        }
    }

    @Test
    void transparentPixelsAreCompositedOverWhite() throws IOException {
        BufferedImage argb = new BufferedImage(20, 20, BufferedImage.TYPE_INT_ARGB);
        for (int y = 0; y < 20; y++) {
            for (int x = 0; x < 20; x++) {
                argb.setRGB(x, y, x < 10 ? 0x00000000 : 0xFF00FF00);
            }
        }
        INDArray in = preprocessor.prepare(encode(argb, "png")).input();
        assertThat(in.shape()).containsExactly(1, 3, 16, 16);
        for (int c = 0; c < 3; c++) {
            assertThat(in.getDouble(0, c, 4, 1)).as("transparent channel %d", c).isEqualTo(1.0, within(1e-6));
        }
        assertThat(in.getDouble(0, 0, 4, 14)).isZero();
        assertThat(in.getDouble(0, 1, 4, 14)).isEqualTo(1.0, within(1e-6));
    }

    @Test
    void palettePngUsesThePaletteColours() throws IOException {
        IndexColorModel palette = new IndexColorModel(8, 2, new byte[] {10, (byte) 200}, new byte[] {20, 0},
                new byte[] {30, 0});
        BufferedImage indexed = new BufferedImage(20, 20, BufferedImage.TYPE_BYTE_INDEXED, palette);
        fill(indexed, 0, 1);
        INDArray in = preprocessor.prepare(encode(indexed, "png")).input();
        assertThat(in.getDouble(0, 0, 3, 3)).isCloseTo(200 / 255.0, within(1e-6));
        assertThat(in.getDouble(0, 1, 3, 3)).isZero();
    }

    @Test
    void cmykJpegIsConvertedToRgb() throws IOException {
        // Four-channel JPEGs are CMYK with inverted ink values (the Adobe convention): this is pure red.
        WritableRaster cmyk = Raster.createInterleavedRaster(DataBuffer.TYPE_BYTE, 16, 16, 4, null);
        for (int y = 0; y < 16; y++) {
            for (int x = 0; x < 16; x++) {
                cmyk.setPixel(x, y, new int[] {255, 0, 0, 255});
            }
        }
        ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ImageOutputStream out = ImageIO.createImageOutputStream(bytes)) {
            writer.setOutput(out);
            writer.write(null, new IIOImage(cmyk, null, null), null);
        } finally {
            writer.dispose();
        }
        INDArray in = preprocessor.prepare(bytes.toByteArray()).input();
        assertThat(in.shape()).containsExactly(1, 3, 16, 16);
        assertThat(in.getDouble(0, 0, 8, 8)).isGreaterThan(0.8);
        assertThat(in.getDouble(0, 1, 8, 8)).isLessThan(0.2);
        assertThat(in.getDouble(0, 2, 8, 8)).isLessThan(0.2);
    }

    @Test
    void probeReadsTheHeaderAndHugeImagesAreRefusedBeforeDecoding() throws IOException {
        byte[] bomb = pngHeaderOnly(60_000, 50_000);
        assertThat(ImagePreprocessor.probe(bomb)).isEqualTo(new ImageSize(60_000, 50_000));
        assertThatThrownBy(() -> preprocessor.prepare(bomb))
                .isInstanceOf(ImageTooLargeException.class)
                .hasMessageContaining("60000x50000");
        BufferedImage small = new BufferedImage(33, 21, BufferedImage.TYPE_INT_RGB);
        assertThat(ImagePreprocessor.probe(encode(small, "jpeg"))).isEqualTo(new ImageSize(33, 21));
    }

    @Test
    void garbageIsReportedAsUnreadable() {
        byte[] garbage = "this is not an image at all".getBytes(StandardCharsets.US_ASCII);
        assertThatThrownBy(() -> preprocessor.prepare(garbage)).isInstanceOf(UnreadableImageException.class);
        assertThatThrownBy(() -> ImagePreprocessor.probe(garbage)).isInstanceOf(UnreadableImageException.class);
    }

    private static void fill(BufferedImage image, int band, int value) {
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                image.getRaster().setSample(x, y, band, value);
            }
        }
    }

    static byte[] encode(BufferedImage image, String format) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertThat(ImageIO.write(image, format, out)).isTrue();
        return out.toByteArray();
    }

    /**
     * The input written straight into the tensor's memory equals, bit for bit, the reference path:
     * bytes of {@link Resize#bilinearPlanarBytes} divided by 255 in a float array, at identity size
     * (copied without interpolating), scaled up, scaled down and at odd sizes.
     */
    @Test
    void theInputIsBitIdenticalToTheRoundedBilinearBytesOverTwoHundredFiftyFive() {
        java.util.Random random = new java.util.Random(7);
        for (int[] size : new int[][] {{16, 16}, {7, 5}, {40, 33}, {17, 16}, {16, 1}, {1, 1}, {255, 129}}) {
            byte[] rgb = new byte[size[0] * size[1] * 3];
            random.nextBytes(rgb);
            RgbImage image = new RgbImage(size[0], size[1], rgb);
            byte[] chw = Resize.bilinearPlanarBytes(image, 16, 16);
            float[] reference = new float[chw.length];
            for (int i = 0; i < chw.length; i++) {
                reference[i] = (chw[i] & 0xFF) / 255f;
            }
            INDArray input = preprocessor.prepare(image).input();
            assertThat(input.shape()).containsExactly(1, 3, 16, 16);
            assertThat(input.dataType()).isEqualTo(DataType.FLOAT);
            float[] actual = input.data().asFloat();
            assertThat(actual).as("%dx%d", size[0], size[1]).hasSize(reference.length);
            for (int i = 0; i < actual.length; i++) {
                assertThat(Float.floatToRawIntBits(actual[i])).as("%dx%d value %d", size[0], size[1], i)
                        .isEqualTo(Float.floatToRawIntBits(reference[i]));
            }
        }
    }

    /** A PNG signature and IHDR claiming a huge RGB image, with no pixel data at all. */
    private static byte[] pngHeaderOnly(int width, int height) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.write(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'});
        ByteArrayOutputStream chunk = new ByteArrayOutputStream();
        DataOutputStream c = new DataOutputStream(chunk);
        c.writeBytes("IHDR");
        c.writeInt(width);
        c.writeInt(height);
        c.write(new byte[] {8, 2, 0, 0, 0});
        byte[] body = chunk.toByteArray();
        out.writeInt(body.length - 4);
        out.write(body);
        CRC32 crc = new CRC32();
        crc.update(body);
        out.writeInt((int) crc.getValue());
        return bytes.toByteArray();
    }
}
