package dev.segplatform.core.predict;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.segplatform.core.image.RgbImage;
import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.List;
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
        assertThatThrownBy(() -> encoder.png(ClassMask.of(1, 1, new int[] {3}))).hasMessageContaining("index 3");
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

    /**
     * The hand-written palette PNG reads back through ImageIO (and through the platform's own
     * decoder) as exactly the class indices and palette, for masks with flat areas, noise and the
     * edge cases of one pixel and one row, and with as many classes as colours given.
     */
    @Test
    void palettePngsReadBackToTheClassesAndColours() throws IOException {
        java.util.Random random = new java.util.Random(11);
        int[] colours = new int[256];
        for (int c = 0; c < colours.length; c++) {
            colours[c] = random.nextInt(1 << 24);
        }
        List<String> names = new java.util.ArrayList<>();
        for (int c = 0; c < 256; c++) {
            names.add("class" + c);
        }
        MaskEncoder many = new MaskEncoder(names, colours, 0.5);
        for (int[] size : new int[][] {{1, 1}, {300, 1}, {1, 40}, {128, 128}, {301, 203}}) {
            int[] classes = new int[size[0] * size[1]];
            for (int i = 0; i < classes.length; i++) {
                int x = i % size[0];
                int y = i / size[0];
                // Flat regions of a few classes with some noise and every class somewhere.
                classes[i] = (x * y) % 17 == 3 ? random.nextInt(256) : (x / 16 + y / 16) % 3;
            }
            ClassMask mask = ClassMask.of(size[0], size[1], classes);
            for (MaskEncoder e : new MaskEncoder[] {many, encoder}) {
                if (e == encoder) {
                    for (int i = 0; i < classes.length; i++) {
                        classes[i] %= 3;
                    }
                    mask = ClassMask.of(size[0], size[1], classes);
                }
                byte[] bytes = e.png(mask);
                BufferedImage png = ImageIO.read(new ByteArrayInputStream(bytes));
                assertThat(png.getColorModel()).isInstanceOf(IndexColorModel.class);
                assertThat(png.getRaster().getSamples(0, 0, size[0], size[1], 0, (int[]) null))
                        .isEqualTo(mask.toArray());
                IndexColorModel palette = (IndexColorModel) png.getColorModel();
                for (int c = 0; c < e.classNames().size(); c++) {
                    assertThat(palette.getRGB(c) & 0xFFFFFF).isEqualTo(e.colour(c));
                }
                dev.segplatform.core.image.RgbImage rgb = dev.segplatform.core.image.ImageDecoder.decode(bytes);
                int probe = classes.length / 2;
                int expected = e.colour(classes[probe]);
                assertThat((rgb.rgb()[3 * probe] & 0xFF) << 16 | (rgb.rgb()[3 * probe + 1] & 0xFF) << 8
                        | (rgb.rgb()[3 * probe + 2] & 0xFF)).isEqualTo(expected);
            }
        }
    }
}
