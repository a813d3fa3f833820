package dev.segplatform.core.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

/**
 * Palette PNGs at 1, 2, 4 and 8 bits per pixel read back through ImageIO (an independent decoder)
 * as the same indices and colours, including widths whose last byte of a row is only partly used.
 */
class PngEncoderTest {

    @Test
    void everyPaletteSizeAndWidthReadsBackAsTheSameIndicesAtTheFewestBits() throws IOException {
        Random random = new Random(7);
        int[][] entriesAndDepth = {{1, 1}, {2, 1}, {3, 2}, {4, 2}, {5, 4}, {16, 4}, {17, 8}, {256, 8}};
        for (int[] ed : entriesAndDepth) {
            int entries = ed[0];
            byte[] palette = new byte[3 * entries];
            random.nextBytes(palette);
            for (int width : new int[] {1, 3, 5, 7, 8, 9, 31, 128}) {
                int height = 1 + random.nextInt(6);
                byte[] indices = new byte[width * height];
                for (int i = 0; i < indices.length; i++) {
                    // Runs as well as noise, so the Up filter sees repeats and changes.
                    indices[i] = (byte) (i % 11 < 6 ? (i / width) % entries : random.nextInt(entries));
                }
                byte[] png = PngEncoder.indexed(width, height, indices, palette);
                assertThat(png[24]).as("bit depth for %d entries", entries).isEqualTo((byte) ed[1]);

                BufferedImage read = ImageIO.read(new ByteArrayInputStream(png));
                assertThat(read.getWidth()).isEqualTo(width);
                assertThat(read.getHeight()).isEqualTo(height);
                int[] samples = read.getRaster().getSamples(0, 0, width, height, 0, (int[]) null);
                for (int i = 0; i < indices.length; i++) {
                    assertThat(samples[i]).as("%d entries, %dx%d, pixel %d", entries, width, height, i)
                            .isEqualTo(indices[i] & 0xFF);
                }
                IndexColorModel colours = (IndexColorModel) read.getColorModel();
                for (int c = 0; c < entries; c++) {
                    int rgb = (palette[3 * c] & 0xFF) << 16 | (palette[3 * c + 1] & 0xFF) << 8 | palette[3 * c + 2] & 0xFF;
                    assertThat(colours.getRGB(c) & 0xFFFFFF).isEqualTo(rgb);
                }
            }
        }
    }

    @Test
    void aThreeClassMaskIsSmallerPackedThanAtEightBits() {
        int side = 128;
        byte[] indices = new byte[side * side];
        for (int y = 0; y < side; y++) {
            for (int x = 0; x < side; x++) {
                // A disc with a border on a background, as a pet mask looks.
                double r = Math.hypot(x - 64, y - 60);
                indices[y * side + x] = (byte) (r < 35 ? 0 : r < 38 ? 2 : 1);
            }
        }
        byte[] three = PngEncoder.indexed(side, side, indices, new byte[9]);
        byte[] eightBit = PngEncoder.indexed(side, side, indices, new byte[3 * 17]);
        assertThat(three[24]).isEqualTo((byte) 2);
        assertThat(eightBit[24]).isEqualTo((byte) 8);
        assertThat(three.length - 9).isLessThan(eightBit.length - 3 * 17);
    }

    @Test
    void anIndexPastThePaletteIsRefusedRatherThanWrappedIntoAnotherClass() {
        // At 2 bits, index 4 would be written as 0.
        assertThatThrownBy(() -> PngEncoder.indexed(2, 1, new byte[] {1, 4}, new byte[9]))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("index 4 is past the palette's 3 entries");
    }
}
