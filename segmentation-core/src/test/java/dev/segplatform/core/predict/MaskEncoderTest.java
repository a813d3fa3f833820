package dev.segplatform.core.predict;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.segplatform.core.image.RgbImage;
import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

class MaskEncoderTest {

    private final MaskEncoder encoder = new MaskEncoder();

    @Test
    void runLengthEncodingOfAHandExample() {
        // 4 x 2, row-major: 1 1 1 0 / 0 2 2 1 -> runs continue across the row end.
        ClassMask mask = ClassMask.of(4, 2, new int[] {1, 1, 1, 0, 0, 2, 2, 1});
        assertThat(MaskEncoder.encodeRle(mask)).containsExactly(1, 3, 0, 2, 2, 2, 1, 1);
        assertThat(MaskEncoder.decodeRle(new int[] {1, 3, 0, 2, 2, 2, 1, 1}, 4, 2)).isEqualTo(mask);
    }

    @Test
    void runLengthEncodingRoundTripsRandomMasks() {
        Random r = new Random(4);
        for (int k = 0; k < 20; k++) {
            int w = 1 + r.nextInt(40);
            int h = 1 + r.nextInt(40);
            int[] classes = new int[w * h];
            for (int i = 0; i < classes.length; i++) {
                classes[i] = r.nextDouble() < 0.8 && i > 0 ? classes[i - 1] : r.nextInt(3);
            }
            ClassMask mask = ClassMask.of(w, h, classes);
            assertThat(MaskEncoder.decodeRle(MaskEncoder.encodeRle(mask), w, h)).isEqualTo(mask);
        }
    }

    @Test
    void malformedRunLengthListsAreRejected() {
        assertThatThrownBy(() -> MaskEncoder.decodeRle(new int[] {1, 3, 0}, 2, 2)).hasMessageContaining("odd");
        assertThatThrownBy(() -> MaskEncoder.decodeRle(new int[] {1, 3}, 2, 2)).hasMessageContaining("3 pixels");
        assertThatThrownBy(() -> MaskEncoder.decodeRle(new int[] {1, 5}, 2, 2)).hasMessageContaining("does not fit");
        assertThatThrownBy(() -> MaskEncoder.decodeRle(new int[] {1, 0, 1, 4}, 2, 2)).hasMessageContaining("length 0");
    }

    @Test
    void indexedPngDecodesToTheSameClassesWithThePalette() throws IOException {
        ClassMask mask = ClassMask.of(5, 3, new int[] {0, 1, 2, 2, 1, 1, 1, 0, 0, 2, 2, 2, 2, 1, 0});
        BufferedImage png = ImageIO.read(new ByteArrayInputStream(encoder.png(mask)));
        assertThat(png.getWidth()).isEqualTo(5);
        assertThat(png.getHeight()).isEqualTo(3);
        assertThat(png.getColorModel()).isInstanceOf(IndexColorModel.class);
        int[] values = png.getRaster().getSamples(0, 0, 5, 3, 0, (int[]) null);
        assertThat(values).isEqualTo(mask.toArray());
        IndexColorModel palette = (IndexColorModel) png.getColorModel();
        for (int c = 0; c < 3; c++) {
            assertThat(palette.getRGB(c) & 0xFFFFFF).isEqualTo(encoder.colour(c));
        }
        assertThat(encoder.colour(0)).isNotEqualTo(encoder.colour(1)).isNotEqualTo(encoder.colour(2));
        assertThat(encoder.colour(1)).isNotEqualTo(encoder.colour(2));
    }

    @Test
    void summaryCountsFractionsAndRle() {
        ClassMask mask = ClassMask.of(4, 2, new int[] {1, 1, 1, 0, 0, 2, 2, 1});
        MaskSummary summary = encoder.summary(mask);
        assertThat(summary.width()).isEqualTo(4);
        assertThat(summary.height()).isEqualTo(2);
        assertThat(summary.classNames()).containsExactly("pet", "background", "border");
        assertThat(summary.pixelCounts()).containsExactly(2, 4, 2);
        assertThat(summary.fractions()).containsExactly(new double[] {0.25, 0.5, 0.25}, within(1e-12));
        assertThat(MaskEncoder.decodeRle(summary.rle(), 4, 2)).isEqualTo(mask);
        assertThatThrownBy(() -> encoder.summary(ClassMask.of(1, 1, new int[] {3}))).hasMessageContaining("class 3");
    }

    @Test
    void anRgbImageRoundTripsThroughItsPng() throws IOException {
        byte[] rgb = {(byte) 200, 100, 0, 50, (byte) 150, (byte) 250, 1, 2, 3, (byte) 255, (byte) 255, (byte) 255};
        BufferedImage png = ImageIO.read(new ByteArrayInputStream(MaskEncoder.png(new RgbImage(2, 2, rgb))));
        assertThat(png.getWidth()).isEqualTo(2);
        assertThat(png.getHeight()).isEqualTo(2);
        assertThat(png.getRGB(0, 0) & 0xFFFFFF).isEqualTo(0xC86400);
        assertThat(png.getRGB(1, 0) & 0xFFFFFF).isEqualTo(0x3296FA);
        assertThat(png.getRGB(0, 1) & 0xFFFFFF).isEqualTo(0x010203);
        assertThat(png.getRGB(1, 1) & 0xFFFFFF).isEqualTo(0xFFFFFF);
    }

    @Test
    void overlayBlendsTheImageWithClassColoursAtHalfWeight() throws IOException {
        byte[] rgb = new byte[2 * 1 * 3];
        rgb[0] = (byte) 200;
        rgb[1] = (byte) 100;
        rgb[2] = 0;
        rgb[3] = 50;
        rgb[4] = (byte) 150;
        rgb[5] = (byte) 250;
        RgbImage image = new RgbImage(2, 1, rgb);
        ClassMask mask = ClassMask.of(2, 1, new int[] {0, 2});
        BufferedImage overlay = ImageIO.read(new ByteArrayInputStream(encoder.overlayPng(image, mask)));
        assertThat(overlay.getWidth()).isEqualTo(2);
        int pet = encoder.colour(0);
        int border = encoder.colour(2);
        assertThat(overlay.getRGB(0, 0) & 0xFFFFFF).isEqualTo(blend(200, 100, 0, pet));
        assertThat(overlay.getRGB(1, 0) & 0xFFFFFF).isEqualTo(blend(50, 150, 250, border));
        assertThatThrownBy(() -> encoder.overlayPng(image, ClassMask.of(1, 2, new int[] {0, 0})))
                .hasMessageContaining("2x1");
    }

    private static int blend(int r, int g, int b, int colour) {
        int rr = (int) Math.round(r * 0.5 + ((colour >> 16) & 0xFF) * 0.5);
        int gg = (int) Math.round(g * 0.5 + ((colour >> 8) & 0xFF) * 0.5);
        int bb = (int) Math.round(b * 0.5 + (colour & 0xFF) * 0.5);
        return (rr << 16) | (gg << 8) | bb;
    }
}
