package dev.segplatform.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

/**
 * The README's first command, in its short form: {@code bin/platform demo --quick} starts every
 * service from its jar, trains the three networks, tunes, segments through the gateway, and stops.
 */
class PlatformDemoTest {

    @Test
    void theQuickDemoTrainsThreeModelsAndSegmentsAnImage() throws Exception {
        Path data = Files.createTempDirectory(Files.createDirectories(Path.of("target")), "demo-data-");
        int base = freePortBlock();
        Process demo = new ProcessBuilder("bash", "bin/platform", "demo", "--quick", "--exit",
                "--data-dir", data.toAbsolutePath().toString(), "--port", Integer.toString(base))
                .directory(Path.of("..").toFile())
                .redirectErrorStream(true)
                .redirectOutput(data.resolve("demo.out").toFile())
                .start();
        boolean finished = demo.waitFor(20, TimeUnit.MINUTES);
        String output = Files.readString(data.resolve("demo.out"), StandardCharsets.UTF_8);
        if (!finished) {
            demo.destroy();
            demo.waitFor(2, TimeUnit.MINUTES);
        }
        assertThat(finished).as(output).isTrue();
        assertThat(demo.exitValue()).as(output).isZero();

        List<String> table = Files.readAllLines(data.resolve("demo/results.txt"));
        for (String model : List.of("unet", "pspnet", "icnet")) {
            String row = table.stream().filter(line -> line.startsWith(model + " ")).findFirst().orElseThrow();
            String[] cells = row.trim().split("\\s+");
            double accuracy = Double.parseDouble(cells[1]);
            double meanIou = Double.parseDouble(cells[2]);
            assertThat(accuracy).as(row).isBetween(0.0, 1.0).isPositive();
            assertThat(meanIou).as(row).isBetween(0.0, 1.0).isPositive();
            assertThat(Integer.parseInt(cells[4])).as("epochs in " + row).isEqualTo(2);
        }
        assertThat(output).contains("Swagger UI:").contains("Admin key:");

        BufferedImage mask = ImageIO.read(data.resolve("demo/mask.png").toFile());
        BufferedImage overlay = ImageIO.read(data.resolve("demo/overlay.png").toFile());
        BufferedImage input;
        try (var images = Files.list(data.resolve("demo/sample-pet/images"))) {
            input = ImageIO.read(images.sorted().findFirst().orElseThrow().toFile());
        }
        assertThat(mask.getWidth()).isEqualTo(input.getWidth());
        assertThat(mask.getHeight()).isEqualTo(input.getHeight());
        assertThat(overlay.getWidth()).isEqualTo(input.getWidth());
    }

    /** A base port with the next three free too (the platform takes four consecutive ports). */
    private static int freePortBlock() throws IOException {
        for (int attempt = 0; attempt < 50; attempt++) {
            int base;
            try (ServerSocket socket = new ServerSocket(0)) {
                base = socket.getLocalPort();
            }
            if (base > 65000) {
                continue;
            }
            boolean free = true;
            for (int i = 1; i < 4 && free; i++) {
                try (ServerSocket ignored = new ServerSocket(base + i)) {
                    free = true;
                } catch (IOException taken) {
                    free = false;
                }
            }
            if (free) {
                return base;
            }
        }
        throw new IOException("no block of four free ports");
    }
}
