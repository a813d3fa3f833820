package dev.segplatform.core.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Arrays;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

/** JPEG sizes come from the frame header found by walking the markers; hostile headers are unreadable. */
class JpegHeaderTest {

    @Test
    void theFrameHeaderGivesTheSizeImageIoReports() throws IOException {
        for (int[] size : new int[][] {{1, 1}, {33, 21}, {640, 17}}) {
            for (int type : new int[] {BufferedImage.TYPE_INT_RGB, BufferedImage.TYPE_BYTE_GRAY}) {
                byte[] jpeg = jpeg(new BufferedImage(size[0], size[1], type));
                assertThat(JpegHeader.probe(jpeg)).isEqualTo(new ImageSize(size[0], size[1]));
                assertThat(ImageDecoder.probe(jpeg)).isEqualTo(new ImageSize(size[0], size[1]));
                RgbImage decoded = ImageDecoder.decode(jpeg, size[0] * size[1]);
                assertThat(decoded.width()).isEqualTo(size[0]);
            }
        }
    }

    @Test
    void segmentsAndFillBytesBeforeTheFrameAreSkipped() throws IOException {
        byte[] jpeg = jpeg(new BufferedImage(50, 40, BufferedImage.TYPE_INT_RGB));
        // SOI, fill bytes, an APP1 segment of 10 bytes, then the rest of the file after its SOI.
        byte[] app1 = {(byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xE1, 0, 10, 'E', 'x', 'i', 'f', 0, 0, 1, 2};
        byte[] edited = new byte[jpeg.length + app1.length];
        System.arraycopy(jpeg, 0, edited, 0, 2);
        System.arraycopy(app1, 0, edited, 2, app1.length);
        System.arraycopy(jpeg, 2, edited, 2 + app1.length, jpeg.length - 2);
        assertThat(ImageDecoder.probe(edited)).isEqualTo(new ImageSize(50, 40));
    }

    @Test
    void hostileHeadersAreUnreadable() throws IOException {
        byte[] jpeg = jpeg(new BufferedImage(20, 10, BufferedImage.TYPE_INT_RGB));
        byte[] onlySoi = {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF};
        byte[] scanFirst = {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, (byte) 0xDA, 0, 2};
        byte[] endFirst = {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, (byte) 0xD9};
        byte[] overlong = {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, (byte) 0xE0, (byte) 0xFF, (byte) 0xF0, 1, 2};
        byte[] tooShortLength = {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, (byte) 0xE0, 0, 1, (byte) 0xFF, (byte) 0xC0};
        byte[] noMarker = {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, (byte) 0xE0, 0, 4, 0, 0, 0x12, 0x34};
        byte[] cutInFrame = Arrays.copyOf(jpeg, frameAt(jpeg) + 4);
        for (byte[] hostile : new byte[][] {onlySoi, scanFirst, endFirst, overlong, tooShortLength, noMarker, cutInFrame}) {
            assertThatThrownBy(() -> ImageDecoder.probe(hostile)).isInstanceOf(UnreadableImageException.class);
            assertThatThrownBy(() -> ImageDecoder.decode(hostile, 1_000_000))
                    .isInstanceOf(UnreadableImageException.class);
        }
    }

    @Test
    void aHugeFrameIsRefusedBeforeDecoding() throws IOException {
        byte[] jpeg = jpeg(new BufferedImage(20, 10, BufferedImage.TYPE_INT_RGB));
        int frame = frameAt(jpeg);
        jpeg[frame + 5] = (byte) 0xFF;
        jpeg[frame + 6] = (byte) 0xFF;
        jpeg[frame + 7] = (byte) 0xFF;
        jpeg[frame + 8] = (byte) 0xFF;
        assertThat(ImageDecoder.probe(jpeg)).isEqualTo(new ImageSize(65_535, 65_535));
        assertThatThrownBy(() -> ImageDecoder.decode(jpeg, 40_000_000)).isInstanceOf(ImageTooLargeException.class);
    }

    /** Index of the 0xFF of the baseline frame header marker. */
    private static int frameAt(byte[] jpeg) {
        for (int i = 2; i + 1 < jpeg.length; i++) {
            if ((jpeg[i] & 0xFF) == 0xFF && (jpeg[i + 1] & 0xFF) == 0xC0) {
                return i;
            }
        }
        throw new AssertionError("no SOF0");
    }

    private static byte[] jpeg(BufferedImage image) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertThat(ImageIO.write(image, "jpeg", out)).isTrue();
        return out.toByteArray();
    }
}
