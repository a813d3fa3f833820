package dev.segplatform.inference.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.segplatform.core.bundle.ModelBundle;
import dev.segplatform.inference.Http;
import dev.segplatform.inference.Http.Reply;
import dev.segplatform.inference.InferenceServiceApplication;
import dev.segplatform.inference.TestModels;
import dev.segplatform.testsupport.ServiceProcess;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
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

    private static ServiceProcess experiment;
    private static Http registry;
    private static String internalToken;

    @BeforeAll
    static void startExperimentService() throws Exception {
        TestModels.trained();
        Path data = Files.createTempDirectory(Files.createDirectories(Path.of("target", "test-data")), "fallback-");
        experiment = ServiceProcess.experimentService(data);
        registry = new Http(experiment.url());
        // Started without a token, the service generated one into its data folder, as trainers would be given.
        internalToken = Files.readString(data.resolve("internal-token")).strip();
    }

    @AfterAll
    static void stop() throws InterruptedException {
        if (experiment != null) {
            experiment.close();
        }
    }

    @Test
    void unloadableBestRunsAreSkippedForTheNextBestAlsoAfterARestart() throws Exception {
        long experimentId = registry.postJson("/api/experiments", "{\"name\":\"fallback-" + System.nanoTime() + "\"}")
                .json().get("id").asLong();
        byte[] trained = Files.readAllBytes(TestModels.trained());
        // Ranked by the metric each run logs, not by what its bundle holds.
        long junk = finishedRun(experimentId, "24 bytes, not a zip.....".getBytes(StandardCharsets.US_ASCII), 0.97);
        long tampered = finishedRun(experimentId, tamperedWeights(trained), 0.95);
        long alien = finishedRun(experimentId, unknownArchitecture(trained), 0.93);
        long good = finishedRun(experimentId, trained, 0.6);
        finishedRun(experimentId, Files.readAllBytes(TestModels.untrained()), 0.1);

        String[] args = {"--server.port=0", "--inference.experiment-url=" + experiment.url(),
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

    /**
     * A run walked through the job protocol as a trainer would: claimed, a metric, the bundle
     * uploaded while the lease is held, success.
     */
    private static long finishedRun(long experimentId, byte[] bundle, double iou) throws Exception {
        long runId = registry.postJson("/api/experiments/" + experimentId + "/runs", """
                {"spec": {"model": "unet", "epochs": 1, "batchSize": 8, "learningRate": 0.01, "imageSize": 32,
                 "width": 8, "dataset": {"type": "synthetic", "count": 10, "seed": 1}}}""").json().get("id").asLong();
        JsonNode claim = job("/api/jobs/claim", "POST", "application/json",
                "{\"workerId\":\"fallback-test\"}".getBytes(StandardCharsets.UTF_8), null).json();
        assertThat(claim.get("runId").asLong()).isEqualTo(runId);
        String lease = claim.get("leaseToken").asString();
        assertThat(job("/api/runs/" + runId + "/metrics", "POST", "application/json",
                ("{\"metrics\":[{\"key\":\"val_mean_iou\",\"value\":" + iou + ",\"step\":1}]}").getBytes(
                        StandardCharsets.UTF_8), lease).status()).isEqualTo(204);
        Reply upload = job("/api/runs/" + runId + "/artifacts/model/bundle.zip", "PUT", "application/zip", bundle, lease);
        assertThat(upload.status()).as(upload.text()).isEqualTo(201);
        assertThat(job("/api/jobs/" + claim.get("jobId").asLong() + "/complete", "POST", "application/json",
                ("{\"leaseToken\":\"" + lease + "\",\"outcome\":\"SUCCEEDED\"}").getBytes(StandardCharsets.UTF_8),
                null).status()).isEqualTo(204);
        return runId;
    }

    /** Every job-protocol call goes through here: the one place to add a header the protocol comes to require. */
    private static Reply job(String path, String method, String contentType, byte[] body, String lease) {
        HttpRequest.Builder request = HttpRequest.newBuilder(experiment.url().resolve(path))
                .header("Content-Type", contentType).method(method, HttpRequest.BodyPublishers.ofByteArray(body))
                .header("X-Internal-Token", internalToken);
        if (lease != null) {
            request.header("X-Lease-Token", lease);
        }
        return registry.send(request);
    }
}
