package dev.segplatform.inference.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.segplatform.core.bundle.ModelBundle;
import dev.segplatform.inference.Http;
import dev.segplatform.inference.InferenceServiceApplication;
import dev.segplatform.inference.TestModels;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.JsonNode;

/**
 * A best run whose bundle cannot be loaded does not leave the service with nothing to serve: it is
 * skipped, once, for the next best, before and after a restart. The runs live in a real experiment
 * service process, ranked by its own queries; the broken bundles are uploaded while their runs are
 * still leased, as a trainer would, then the runs succeed.
 */
@Tag("reliability")
class CandidateFallbackTest {

    private static Registry registry;

    @BeforeAll
    static void startExperimentService() throws Exception {
        TestModels.trained();
        registry = new Registry("fallback");
    }

    @AfterAll
    static void stop() throws InterruptedException {
        if (registry != null) {
            registry.close();
        }
    }

    @Test
    void unloadableBestRunsAreSkippedForTheNextBestAlsoAfterARestart() throws Exception {
        long experimentId = registry.experiment("fallback");
        byte[] trained = Files.readAllBytes(TestModels.trained());
        // Ranked by the metric each run logs, not by what its bundle holds.
        long junk = registry.finishedRun(experimentId, "24 bytes, not a zip.....".getBytes(StandardCharsets.US_ASCII), 0.97);
        long tampered = registry.finishedRun(experimentId, tamperedWeights(trained), 0.95);
        long alien = registry.finishedRun(experimentId, unknownArchitecture(trained), 0.93);
        long good = registry.finishedRun(experimentId, trained, 0.6);
        registry.finishedRun(experimentId, Files.readAllBytes(TestModels.untrained()), 0.1);

        String[] args = {"--server.port=0", "--inference.experiment-url=" + registry.url(),
                "--inference.experiment-id=" + experimentId, "--inference.poll-interval=300ms",
                "--inference.model-dir=" + Path.of("target", "fallback-models").toAbsolutePath()};
        for (int start = 1; start <= 2; start++) {
            try (ConfigurableApplicationContext app = new SpringApplicationBuilder(InferenceServiceApplication.class)
                    .run(args)) {
                Http http = new Http(URI.create("http://localhost:" + app.getEnvironment().getProperty("local.server.port")));
                http.awaitReady(Duration.ofSeconds(60));
                JsonNode model = http.get("/api/model").json();
                assertThat(model.get("runId").asString()).as("start " + start).isEqualTo(Long.toString(good));
                assertThat(model.get("rankValue").asDouble()).isEqualTo(0.6);
                assertThat(http.get("/readyz").status()).isEqualTo(200);
                assertThat(http.segment("", TestModels.petImage(TestModels.testPets().get(0))).header(
                        ModelHeaders.RUN_ID)).isEqualTo(Long.toString(good));

                // Several polls later the three broken bundles were each tried once, not once a poll.
                Thread.sleep(2000);
                String metrics = http.get("/actuator/prometheus").text();
                assertThat(metrics).contains("inference_model_loads_total{outcome=\"failure\"} 3.0",
                        "inference_model_loads_total{outcome=\"success\"} 1.0", "inference_model_version 1.0");
                assertThat(app.getBean(ModelPoller.class).skipped().keySet()).hasSize(3)
                        .allMatch(key -> key.startsWith("run:" + junk + ":") || key.startsWith("run:" + tampered + ":")
                                || key.startsWith("run:" + alien + ":"));
            }
        }
    }

    /** The trained bundle with one byte of its weights changed: a zip, but its sha256 no longer matches. */
    private static byte[] tamperedWeights(byte[] bundle) throws IOException {
        return rewrite(bundle, (name, bytes) -> {
            if (name.equals(ModelBundle.MODEL_ENTRY)) {
                bytes[bytes.length / 2] ^= 0x55;
            }
            return bytes;
        });
    }

    /** The trained bundle claiming an architecture no version of the service knows. */
    private static byte[] unknownArchitecture(byte[] bundle) throws IOException {
        return rewrite(bundle, (name, bytes) -> {
            if (!name.equals(ModelBundle.DESCRIPTOR_ENTRY)) {
                return bytes;
            }
            String descriptor = new String(bytes, StandardCharsets.UTF_8);
            String changed = descriptor.replaceAll("(?i)\"unet\"", "\"vision-transformer-9000\"");
            assertThat(changed).as("the descriptor names the architecture").isNotEqualTo(descriptor);
            return changed.getBytes(StandardCharsets.UTF_8);
        });
    }

    private interface EntryEdit {
        byte[] apply(String name, byte[] bytes);
    }

    private static byte[] rewrite(byte[] bundle, EntryEdit edit) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ZipInputStream in = new ZipInputStream(new java.io.ByteArrayInputStream(bundle));
             ZipOutputStream zip = new ZipOutputStream(out)) {
            for (ZipEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
                zip.putNextEntry(new ZipEntry(e.getName()));
                zip.write(edit.apply(e.getName(), in.readAllBytes()));
                zip.closeEntry();
            }
        }
        return out.toByteArray();
    }
}
