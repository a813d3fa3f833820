package dev.segplatform.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.segplatform.core.predict.ClassMask;
import dev.segplatform.core.predict.MaskEncoder;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The demo's pet IoU, on a mask the inference service's encoder writes and a trimap as the data set stores it. */
class SamplePetIouTest {

    @TempDir
    Path dir;

    @Test
    void countsThePetClassAgainstTheTrimapsPetPixels() throws IOException {
        // Trimap 4x2: pet (1) at x 0-2 of row 0, border (3) at x 3, background (2) in row 1.
        Path trimap = trimap(new int[] {1, 1, 1, 3, 2, 2, 2, 2});
        // Mask (classes pet 0, background 1, border 2): two of the three pet pixels, plus one
        // background pixel called pet, and the border pixel called pet.
        byte[] mask = new MaskEncoder().png(ClassMask.of(4, 2, new int[] {0, 0, 1, 0, 0, 1, 1, 1}));

        // Intersection 2 (x 0, 1); union 5 (3 true pet pixels, plus the border and background pixels called pet).
        assertThat(SamplePetIou.of(mask, trimap)).isCloseTo(2.0 / 5, within(1e-12));
        byte[] perfect = new MaskEncoder().png(ClassMask.of(4, 2, new int[] {0, 0, 0, 2, 1, 1, 1, 1}));
        assertThat(SamplePetIou.of(perfect, trimap)).isEqualTo(1.0);
    }

    @Test
    void refusesAMaskOfAnotherSize() throws IOException {
        Path trimap = trimap(new int[] {1, 1, 1, 3, 2, 2, 2, 2});
        byte[] mask = new MaskEncoder().png(ClassMask.of(2, 2, new int[] {0, 0, 1, 1}));
        assertThatThrownBy(() -> SamplePetIou.of(mask, trimap)).isInstanceOf(IOException.class)
                .hasMessageContaining("2x2").hasMessageContaining("4x2");
    }

    private Path trimap(int[] values) throws IOException {
        BufferedImage image = new BufferedImage(4, 2, BufferedImage.TYPE_BYTE_GRAY);
        image.getRaster().setSamples(0, 0, 4, 2, 0, values);
        Path file = dir.resolve("trimap.png");
        ImageIO.write(image, "png", file.toFile());
        return file;
    }
}
