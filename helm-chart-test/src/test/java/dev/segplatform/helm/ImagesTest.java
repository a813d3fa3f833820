package dev.segplatform.helm;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The images the chart asks for are the ones bin/images builds (docker/Dockerfile, CPU and CUDA). */
class ImagesTest {

    @Test
    void everyServiceImageOfTheChartIsOneThatBinImagesBuilds() throws IOException, InterruptedException {
        Path root = Chart.dir().getParent().getParent();
        Process process = new ProcessBuilder("bash", "bin/images", "--dry-run", "--cuda")
                .directory(root.toFile()).redirectErrorStream(true).start();
        String plan = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as(plan).isZero();
        List<String> built = plan.lines().filter(line -> line.contains(" build "))
                .map(line -> line.replaceAll(".* -t (\\S+) .*", "$1")).toList();

        Chart.Rendered rendered = Chart.render(Chart.values(
                "trainers.pools.gpu.enabled", true, "inference.image.flavor", "cuda", "inference.gpus", 1));
        List<String> wanted = rendered.podTemplates().values().stream()
                .filter(pod -> !"postgresql".equals(EveryScenarioTest.component(pod)))
                .map(pod -> pod.getSpec().getContainers().get(0).getImage()).distinct().toList();
        assertThat(wanted).containsExactlyInAnyOrder(
                "segplatform/gateway:0.1.0", "segplatform/experiment-service:0.1.0",
                "segplatform/inference-service:0.1.0-cuda", "segplatform/trainer-service:0.1.0",
                "segplatform/trainer-service:0.1.0-cuda");
        assertThat(built).containsAll(wanted);
        // bin/images builds for every service, with CUDA variants only where DL4J runs.
        assertThat(built).hasSize(6).noneMatch(image -> image.matches(".*/(gateway|experiment-service):.*-cuda"));
    }
}
