package dev.segplatform.trainer.weights;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.segplatform.core.model.Architecture;
import dev.segplatform.core.model.Encoder;
import dev.segplatform.core.model.ModelSpec;
import dev.segplatform.trainer.TrainerProperties;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An {@code encoderWeights} path is read under {@code trainer.weights-root} and nowhere else. */
class EncoderWeightsResolverTest {

    @TempDir
    Path dir;

    private EncoderWeightsResolver resolver(Path root) {
        return new EncoderWeightsResolver(new TrainerProperties(URI.create("http://localhost:1"), "w", 1,
                dir.resolve("datasets"), root, dir.resolve("work"), 1, Duration.ofSeconds(1), Duration.ofSeconds(1),
                Duration.ofSeconds(1), 0, "token", dir.resolve("token"), null));
    }

    private static ModelSpec vgg(String weights) {
        return ModelSpec.of(Architecture.UNET, 32, 3).withEncoder(Encoder.VGG16, weights, true);
    }

    @Test
    void aPathUnderTheRootBecomesThatFile() throws Exception {
        Path root = Files.createDirectories(dir.resolve("weights"));
        Path file = Files.createDirectories(root.resolve("vgg")).resolve("vgg16.zip");
        Files.writeString(file, "x");

        ModelSpec resolved = resolver(root).resolve(vgg("vgg/./vgg16.zip"));

        assertThat(resolved.encoderWeights()).isEqualTo(file.toAbsolutePath().toString());
        assertThat(resolved.freezeEncoder()).isTrue();
    }

    @Test
    void imagenetAndNoEncoderAreLeftAsTheyAre() {
        Path root = dir.resolve("weights");
        assertThat(resolver(root).resolve(vgg("imagenet"))).isEqualTo(vgg("imagenet"));
        ModelSpec plain = ModelSpec.of(Architecture.UNET, 32, 3);
        assertThat(resolver(root).resolve(plain)).isSameAs(plain);
    }

    @Test
    void aPathOutsideTheRootOrWithoutAFileFailsNamingTheField() throws Exception {
        Path root = Files.createDirectories(dir.resolve("weights"));
        Path outside = Files.writeString(dir.resolve("secret.zip"), "x");

        for (String path : new String[] {"../secret.zip", outside.toAbsolutePath().toString(), "a/../../secret.zip", "."}) {
            assertThatThrownBy(() -> resolver(root).resolve(vgg(path))).as(path)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("encoderWeights").hasMessageContaining("leaves trainer.weights-root");
        }
        assertThatThrownBy(() -> resolver(root).resolve(vgg("missing.zip")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("encoderWeights 'missing.zip'").hasMessageContaining("no file");
    }
}
