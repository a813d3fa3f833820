package dev.segplatform.inference.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.segplatform.inference.Http;
import dev.segplatform.inference.InferenceServiceApplication;
import dev.segplatform.inference.TestModels;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * A candidate that failed is remembered by its key, so it is not read again every poll, and is
 * tried again as soon as the key changes: here a bundle file, corrupt at first, then replaced.
 */
@Tag("reliability")
class BundleFileRetryTest {

    @Test
    void aCorruptBundleIsTriedOnceAndAgainOnlyWhenItChanges() throws Exception {
        Path dir = Files.createDirectories(Path.of("target", "test-data"));
        Path bundle = Files.createTempFile(dir, "retry-", ".zip");
        Files.writeString(bundle, "24 bytes, not a zip.....");
        try (ConfigurableApplicationContext app = new SpringApplicationBuilder(InferenceServiceApplication.class).run(
                "--server.port=0", "--inference.bundle-path=" + bundle.toAbsolutePath(),
                "--inference.poll-interval=200ms")) {
            Http http = new Http(URI.create("http://localhost:" + app.getEnvironment().getProperty("local.server.port")));
            Thread.sleep(1500);
            assertThat(http.get("/readyz").status()).isEqualTo(503);
            assertThat(http.get("/actuator/prometheus").text())
                    .contains("inference_model_loads_total{outcome=\"failure\"} 1.0")
                    .doesNotContain("inference_model_loads_total{outcome=\"success\"}");
            assertThat(app.getBean(ModelPoller.class).skipped()).hasSize(1);

            Path next = Files.createTempFile(dir, "retry-next-", ".zip");
            Files.copy(TestModels.trained(), next, StandardCopyOption.REPLACE_EXISTING);
            Files.move(next, bundle, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            http.awaitReady(Duration.ofSeconds(60));
            assertThat(http.get("/api/model").json().get("runId").asString()).isEqualTo("trained");
            assertThat(http.get("/actuator/prometheus").text())
                    .contains("inference_model_loads_total{outcome=\"failure\"} 1.0",
                            "inference_model_loads_total{outcome=\"success\"} 1.0");
        } finally {
            Files.deleteIfExists(bundle);
        }
    }
}
