package dev.segplatform.experiment.study;

import static org.assertj.core.api.Assertions.assertThat;

import dev.segplatform.experiment.Api;
import dev.segplatform.experiment.ExperimentServiceApplication;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.JsonNode;

/**
 * A study that outlives its service: stopped mid-study with trials finished, running and queued, the
 * service starts again on the same data folder and its scheduler carries the study to the end.
 */
class StudyRestartTest {

    static final Duration PATIENCE = Duration.ofSeconds(60);

    @Test
    void aRestartMidStudyFinishesWithExactlyMaxTrialsNoneLostNoneDoubled() throws Exception {
        Path dataDir = Files.createTempDirectory(Files.createDirectories(Path.of("target", "test-data")), "study-restart-");
        long studyId;
        JsonNode held;
        try (ConfigurableApplicationContext first = start(dataDir)) {
            Api api = api(first);
            long experimentId = api.experiment("restart-study");
            Api.Reply created = api.post("/api/studies", """
                    {"experimentId": %d, "name": "durable", "algorithm": "tpe", "maxTrials": 5, "parallelism": 2,
                     "seed": 3, "pruner": "median",
                     "baseSpec": {"model": "unet", "epochs": 2, "batchSize": 8, "imageSize": 32,
                                  "dataset": {"type": "synthetic", "count": 60, "seed": 1}},
                     "space": {"learningRate": {"type": "loguniform", "low": 0.0001, "high": 0.1}}}"""
                    .formatted(experimentId));
            assertThat(created.status()).as(created.text()).isEqualTo(201);
            studyId = created.json().get("id").asLong();
            for (int i = 0; i < 2; i++) {
                finish(api, awaitClaim(api), 0.2 + 0.1 * i);
            }
            // The scheduler tops up to two live trials: four made so far. One of them is left running.
            await(api, studyId, study -> study.get("trialsCreated").asInt() == 4);
            held = awaitClaim(api);
            logEpoch(api, held, 1, 0.3);
        }

        try (ConfigurableApplicationContext second = start(dataDir)) {
            Api api = api(second);
            JsonNode resumed = api.get("/api/studies/" + studyId).json();
            assertThat(resumed.get("status").asString()).isEqualTo("RUNNING");
            assertThat(resumed.get("trialsCreated").asInt()).isEqualTo(4);
            // The worker that held a lease across the restart finishes its trial with its token.
            logEpoch(api, held, 2, 0.45);
            complete(api, held, "SUCCEEDED");
            long deadline = System.nanoTime() + PATIENCE.toNanos();
            while (!api.get("/api/studies/" + studyId).json().get("status").asString().equals("COMPLETED")) {
                assertThat(System.nanoTime()).as("study completes in " + PATIENCE).isLessThan(deadline);
                Api.Reply claim = api.post("/api/jobs/claim", "{\"workerId\": \"after-restart\"}");
                if (claim.status() == 200) {
                    finish(api, claim.json(), 0.25);
                } else {
                    Thread.sleep(100);
                }
            }
            JsonNode done = api.get("/api/studies/" + studyId).json();
            assertThat(done.get("trialsCreated").asInt()).isEqualTo(5);
            assertThat(done.get("trials")).hasSize(5);
            Set<Integer> numbers = new HashSet<>();
            Set<Long> runs = new HashSet<>();
            for (JsonNode trial : done.get("trials")) {
                numbers.add(trial.get("number").asInt());
                runs.add(trial.get("runId").asLong());
                assertThat(trial.get("state").asString()).isIn("SUCCEEDED", "PRUNED");
            }
            assertThat(numbers).containsExactlyInAnyOrder(0, 1, 2, 3, 4);
            assertThat(runs).hasSize(5);
            JsonNode tagged = api.get("/api/runs", Api.query("filter", "tags.study.id = '" + studyId + "'",
                    "maxResults", "100")).json().get("runs");
            assertThat(tagged).hasSize(5);
            assertThat(api.post("/api/jobs/claim", "{\"workerId\": \"late\"}").status()).as("nothing left").isEqualTo(204);
            assertThat(done.get("bestTrial").get("objective").asDouble()).isEqualTo(0.45);
        }
    }

    private static void finish(Api api, JsonNode claim, double value) {
        logEpoch(api, claim, 1, value);
        logEpoch(api, claim, 2, value);
        complete(api, claim, "SUCCEEDED");
    }

    private static void logEpoch(Api api, JsonNode claim, int epoch, double value) {
        Api.Reply reply = api.post("/api/runs/" + claim.get("runId").asLong() + "/metrics",
                "{\"metrics\": [{\"key\": \"val_mean_iou\", \"value\": %s, \"step\": %d}]}".formatted(value, epoch),
                Map.of("X-Lease-Token", claim.get("leaseToken").asString()));
        assertThat(reply.status()).as(reply.text()).isEqualTo(204);
    }

    private static void complete(Api api, JsonNode claim, String outcome) {
        Api.Reply reply = api.post("/api/jobs/" + claim.get("jobId").asLong() + "/complete",
                "{\"leaseToken\": \"" + claim.get("leaseToken").asString() + "\", \"outcome\": \"" + outcome + "\"}");
        assertThat(reply.status()).as(reply.text()).isEqualTo(204);
    }

    private static JsonNode awaitClaim(Api api) throws InterruptedException {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (System.nanoTime() < deadline) {
            Api.Reply claim = api.post("/api/jobs/claim", "{\"workerId\": \"before-restart\"}");
            if (claim.status() == 200) {
                return claim.json();
            }
            Thread.sleep(100);
        }
        throw new AssertionError("no trial to claim within " + PATIENCE);
    }

    private static void await(Api api, long studyId, Predicate<JsonNode> done) throws InterruptedException {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        JsonNode study = null;
        while (System.nanoTime() < deadline) {
            study = api.get("/api/studies/" + studyId).json();
            if (done.test(study)) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("study " + studyId + " did not get there; last seen " + study);
    }

    private static ConfigurableApplicationContext start(Path dataDir) {
        return SpringApplication.run(ExperimentServiceApplication.class, "--server.port=0",
                "--experiment.data-dir=" + dataDir, "--spring.main.banner-mode=off",
                "--experiment.study-interval=200ms");
    }

    private static Api api(ConfigurableApplicationContext context) {
        java.nio.file.Path dataDir = context.getBean(dev.segplatform.experiment.config.ExperimentProperties.class).dataDir();
        return new Api("http://localhost:" + ((WebServerApplicationContext) context).getWebServer().getPort(),
                Api.generatedToken(dataDir));
    }
}
