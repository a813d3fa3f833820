package dev.segplatform.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.segplatform.testsupport.ServiceProcess;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The one Swagger UI, loaded in headless Chromium through the gateway in front of the real
 * experiment and inference services, shows both services' endpoints.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class SwaggerUiTest {

    static final ServiceProcess EXPERIMENT;
    static final ServiceProcess INFERENCE;

    static {
        try {
            Path data = Files.createTempDirectory(Files.createDirectories(Path.of("target", "test-data")), "swagger-");
            EXPERIMENT = ServiceProcess.experimentService(data);
            // No model yet, so the inference service is alive but not ready; its document is served all the same.
            INFERENCE = ServiceProcess.fromJar("inference-service", data.resolve("inference-service.log"), "/livez",
                    "--inference.experiment-url=" + EXPERIMENT.url());
        } catch (Exception e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @LocalServerPort
    int port;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        registry.add("gateway.experiment-url", () -> EXPERIMENT.url().toString());
        registry.add("gateway.inference-url", () -> INFERENCE.url().toString());
        registry.add("gateway.admin-key", () -> "swagger-admin");
    }

    @AfterAll
    static void stop() throws Exception {
        INFERENCE.close();
        EXPERIMENT.close();
    }

    @Test
    void listsTheExperimentAndInferenceEndpoints() throws Exception {
        String experiment = render("/swagger-ui/index.html?urls.primaryName=experiment-service");
        assertThat(experiment).contains("experiment-service").contains("inference-service");
        assertThat(experiment).contains("/api/experiments").contains("/api/runs/{id}").contains("/api/models/best");
        assertThat(experiment).doesNotContain("Failed to load API definition");

        String inference = render("/swagger-ui/index.html?urls.primaryName=inference-service");
        assertThat(inference).contains("/api/segment").contains("/v2/models/{name}/infer");
        assertThat(inference).doesNotContain("Failed to load API definition");
    }

    /** The page's DOM after Chromium ran its scripts (and fetched the documents through the gateway). */
    private String render(String path) throws Exception {
        Path chromium = Browser.chromium();
        Path profile = Files.createTempDirectory(Files.createDirectories(Path.of("target", "chromium")), "profile-");
        Process browser = new ProcessBuilder(chromium.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-dev-shm-usage", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--disable-quic", "--user-data-dir=" + profile,
                "--virtual-time-budget=20000", "--dump-dom", "http://localhost:" + port + path)
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String dom = new String(browser.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(browser.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return dom;
    }
}
