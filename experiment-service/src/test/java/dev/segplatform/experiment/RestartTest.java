package dev.segplatform.experiment;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.JsonNode;

/** Services of their own, started and stopped like a user would, on their own data folders. */
class RestartTest {

    @Test
    void aRestartOnTheSameDataDirectoryLosesNothing() throws Exception {
        Path dataDir = Files.createTempDirectory(Files.createDirectories(Path.of("target", "test-data")), "restart-");
        byte[] bundle = "weights".getBytes();
        long experimentId;
        long runId;
        try (ConfigurableApplicationContext first = start(dataDir)) {
            Api api = api(first);
            experimentId = api.experiment("durable");
            runId = api.run(experimentId, "pspnet");
            JsonNode claim = api.post("/api/jobs/claim", "{\"workerId\":\"w\"}").json();
            Map<String, String> lease = Map.of("X-Lease-Token", claim.get("leaseToken").asString());
            api.post("/api/runs/" + runId + "/metrics", "{\"metrics\":[{\"key\":\"loss\",\"value\":0.5,\"step\":1}]}", lease);
            api.put("/api/runs/" + runId + "/artifacts/model/bundle.zip", bundle, lease);
            api.post("/api/jobs/" + claim.get("jobId").asLong() + "/complete",
                    "{\"leaseToken\":\"" + claim.get("leaseToken").asString() + "\",\"outcome\":\"SUCCEEDED\"}");
        }
        String token = Api.generatedToken(dataDir);
        try (ConfigurableApplicationContext second = start(dataDir)) {
            Api api = api(second);
            // Without experiment.internal-token the service made one at first start, readable by its owner
            // only, and keeps it: trainers configured with it go on working after a restart.
            assertThat(Api.generatedToken(dataDir)).isEqualTo(token).hasSizeGreaterThanOrEqualTo(40);
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dataDir.resolve("internal-token"))))
                    .isEqualTo("rw-------");
            assertThat(new Api(api.base()).post("/api/jobs/claim", "{\"workerId\":\"w\"}").status()).isEqualTo(401);
            assertThat(api.get("/api/experiments/" + experimentId).status()).isEqualTo(200);
            JsonNode run = api.get("/api/runs/" + runId).json();
            assertThat(run.get("status").asString()).isEqualTo("SUCCEEDED");
            assertThat(run.get("params").get("model").asString()).isEqualTo("pspnet");
            assertThat(api.get("/api/runs/" + runId + "/metrics/loss").json().get("history")).hasSize(1);
            assertThat(api.bytes("/api/runs/" + runId + "/artifacts/model/bundle.zip")).isEqualTo(bundle);
        }
    }

    @Test
    void aFullQueueAnswers503WithRetryAfterAndWritesNothing() throws Exception {
        Path dataDir = Files.createTempDirectory(Files.createDirectories(Path.of("target", "test-data")), "full-");
        try (ConfigurableApplicationContext service = start(dataDir, "--experiment.max-queued-jobs=2")) {
            Api api = api(service);
            long experimentId = api.experiment("full");
            api.run(experimentId, "unet");
            api.run(experimentId, "unet");
            Api.Reply refused = api.post("/api/experiments/" + experimentId + "/runs", Api.runBody("unet"));
            assertThat(refused.status()).isEqualTo(503);
            assertThat(refused.header("Retry-After")).matches("\\d+");
            assertThat(refused.json().get("type").asString()).endsWith("queue-full");
            assertThat(api.get("/api/runs?experimentId=" + experimentId).json().get("runs")).hasSize(2);

            // Claiming one frees a place.
            assertThat(api.post("/api/jobs/claim", "{\"workerId\":\"w\"}").status()).isEqualTo(200);
            assertThat(api.post("/api/experiments/" + experimentId + "/runs", Api.runBody("unet")).status()).isEqualTo(201);
        }
    }

    private static ConfigurableApplicationContext start(Path dataDir, String... extra) {
        String[] args = new String[extra.length + 3];
        args[0] = "--server.port=0";
        args[1] = "--experiment.data-dir=" + dataDir;
        args[2] = "--spring.main.banner-mode=off";
        System.arraycopy(extra, 0, args, 3, extra.length);
        return SpringApplication.run(ExperimentServiceApplication.class, args);
    }

    /** No token configured: the service generated one into its data folder, as trainers would read it. */
    private static Api api(ConfigurableApplicationContext context) {
        int port = ((WebServerApplicationContext) context).getWebServer().getPort();
        java.nio.file.Path dataDir = context.getBean(dev.segplatform.experiment.config.ExperimentProperties.class).dataDir();
        return new Api("http://localhost:" + port, Api.generatedToken(dataDir));
    }
}
