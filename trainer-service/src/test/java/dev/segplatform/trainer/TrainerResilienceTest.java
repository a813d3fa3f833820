package dev.segplatform.trainer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.segplatform.experiment.api.MetricHistory;
import dev.segplatform.experiment.client.ExperimentClient;
import dev.segplatform.testsupport.ServiceProcess;
import java.time.Duration;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Trainers that die, leave, share the queue, and use several devices; each a real process. */
class TrainerResilienceTest {

    static ExperimentClient client;
    static long experimentId;

    @BeforeAll
    static void start() throws Exception {
        client = Platform.client();
        experimentId = Platform.experiment("resilience");
    }

    @Test
    void aKilledWorkersJobIsResumedFromItsCheckpointByAnother() throws Exception {
        int epochs = 8;
        long runId;
        try (ServiceProcess first = Platform.trainer("doomed")) {
            runId = Platform.run(experimentId, "unet", epochs, "");
            Platform.await(runId, Duration.ofMinutes(3),
                    run -> client.metricHistory(runId, "val_loss").history().size() >= 2);
            first.kill(); // SIGKILL: no checkpoint, no goodbye, the lease just stops being renewed
        }
        try (ServiceProcess second = Platform.trainer("rescuer")) {
            JsonNode run = Platform.awaitEnd(runId, Duration.ofMinutes(4));
            assertThat(run.get("status").asString()).as(run.toString()).isEqualTo("SUCCEEDED");
            assertThat(run.get("attempt").asInt()).isEqualTo(2);
            assertThat(run.get("claims").asInt()).isEqualTo(2);
            assertThat(run.get("workerId").isNull() || run.get("workerId").asString().startsWith("rescuer")).isTrue();
        }
        List<Long> expectedSteps = LongStream.rangeClosed(1, epochs).boxed().toList();
        for (String key : List.of("loss", "val_loss", "val_mean_iou")) {
            assertThat(client.metricHistory(runId, key).history()).as(key)
                    .extracting(MetricHistory.Point::step).containsExactlyElementsOf(expectedSteps);
        }
        // The bundle is the best epoch across both attempts (the first attempt's, if it stayed best,
        // from the checkpoints/best.zip that attempt uploaded).
        List<MetricHistory.Point> iou = client.metricHistory(runId, "val_mean_iou").history();
        MetricHistory.Point best = iou.stream().reduce((x, y) -> y.value() > x.value() ? y : x).orElseThrow();
        java.nio.file.Path bundle = java.nio.file.Files.createTempDirectory(Platform.ROOT, "bundle-").resolve("bundle.zip");
        client.downloadArtifact(runId, dev.segplatform.experiment.api.ArtifactPaths.MODEL_BUNDLE, bundle);
        dev.segplatform.core.bundle.ModelBundle loaded = dev.segplatform.core.bundle.ModelBundle.load(bundle);
        assertThat(loaded.descriptor().epoch()).as("val_mean_iou per epoch: " + iou).isEqualTo((int) best.step());
        assertThat(loaded.descriptor().metrics().get("val_mean_iou")).isEqualTo(best.value());
        assertThat(client.run(runId).get("params").get("bundle_epoch").asString()).isEqualTo(Long.toString(best.step()));
    }

    @Test
    void aClaimWhoseAnswerIsLostIsAskedAgainAndItsJobTrainsOnItsFirstAttempt() throws Exception {
        try (AnswerDroppingProxy proxy = AnswerDroppingProxy.start(Platform.experimentService().url());
             ServiceProcess trainer = Platform.trainer("forgetful", proxy.url(), java.util.Map.of())) {
            long runId = Platform.run(experimentId, "unet", 2, "");
            JsonNode run = Platform.awaitEnd(runId, Duration.ofMinutes(3));
            assertThat(run.get("status").asString()).as(run.toString()).isEqualTo("SUCCEEDED");
            // The lost answer's lease came back on the retry: no lapsed lease, no second attempt.
            assertThat(run.get("attempt").asInt()).isEqualTo(1);
            assertThat(run.get("claims").asInt()).isEqualTo(1);
            assertThat(proxy.droppedClaim).as("a claim answer was lost").isNotNull();
            String requestId = JsonMapper.builder().build().readTree(proxy.droppedClaim).get("requestId").asString();
            // The retry was the same request, answered with the job.
            assertThat(proxy.claims).filteredOn(c -> c.getKey().contains(requestId) && c.getValue() == 200)
                    .hasSize(2);
        }
    }

    @Test
    void twoTrainersRunTwoJobsAtOnceEachExactlyOnce() throws Exception {
        try (ServiceProcess a = Platform.trainer("left"); ServiceProcess b = Platform.trainer("right")) {
            long first = Platform.run(experimentId, "unet", 6, "");
            long second = Platform.run(experimentId, "icnet", 6, "");
            // Both running at the same moment, on different workers.
            Platform.await(first, Duration.ofMinutes(2), run -> {
                try {
                    JsonNode other = client.run(second);
                    return run.get("status").asString().equals("RUNNING")
                            && other.get("status").asString().equals("RUNNING")
                            && !run.get("workerId").asString().equals(other.get("workerId").asString());
                } catch (RuntimeException e) {
                    return false;
                }
            });
            for (long runId : new long[] {first, second}) {
                JsonNode run = Platform.awaitEnd(runId, Duration.ofMinutes(4));
                assertThat(run.get("status").asString()).isEqualTo("SUCCEEDED");
                assertThat(run.get("attempt").asInt()).isEqualTo(1);
                assertThat(client.metricHistory(runId, "val_loss").history()).hasSize(6);
            }
        }
    }

    @Test
    void twoDevicesTrainDataParallelAndStillLearn() throws Exception {
        try (ServiceProcess trainer = Platform.trainer("parallel")) {
            long runId = Platform.run(experimentId, "unet", 5, "\"devices\": 2");
            JsonNode run = Platform.awaitEnd(runId, Duration.ofMinutes(4));
            assertThat(run.get("status").asString()).as(run.toString()).isEqualTo("SUCCEEDED");
            assertThat(run.get("params").get("devices").asString()).isEqualTo("2");
            List<MetricHistory.Point> loss = client.metricHistory(runId, "loss").history();
            assertThat(loss).hasSize(5);
            assertThat(loss.get(4).value()).as("loss falls").isLessThan(loss.get(0).value());
        }
    }

    @Test
    @Tag("reliability")
    void aWorkerShuttingDownCheckpointsAndGivesItsJobBack() throws Exception {
        long runId;
        try (ServiceProcess leaving = Platform.trainer("leaving")) {
            runId = Platform.run(experimentId, "unet", 500, "");
            Platform.await(runId, Duration.ofMinutes(2),
                    run -> client.metricHistory(runId, "val_loss").history().size() >= 1);
        } // SIGTERM
        JsonNode run = client.run(runId);
        assertThat(run.get("status").asString()).isEqualTo("QUEUED");
        // A hand-back is not a failure: the attempt budget is untouched, only the claim is counted.
        assertThat(run.get("attempt").asInt()).isEqualTo(1);
        assertThat(run.get("claims").asInt()).isEqualTo(1);
        assertThat(run.get("message").asString()).contains("shut down");
        assertThat(client.listArtifacts(runId, "checkpoints/")).isNotEmpty();
        Platform.cancel(runId);
    }

    /** A rolling update: each trainer hands the job back in turn, the job still succeeds, resumed each time. */
    @Test
    @Tag("reliability")
    void handBacksSpendNoAttemptsAndTheNextWorkerResumes() throws Exception {
        int epochs = 12;
        long runId = Platform.run(experimentId, "unet", epochs, "");
        // One more hand-back than the attempt budget (3) would have allowed before.
        for (int i = 1; i <= 3; i++) {
            int logged = i;
            try (ServiceProcess rolling = Platform.trainer("rolling-" + i)) {
                Platform.await(runId, Duration.ofMinutes(3),
                        run -> client.metricHistory(runId, "val_loss").history().size() >= logged);
            } // SIGTERM
            JsonNode run = client.run(runId);
            if (!run.get("status").asString().equals("QUEUED")) {
                break; // trained to the end before the signal; nothing more to hand back
            }
            assertThat(run.get("attempt").asInt()).isEqualTo(1);
            assertThat(run.get("claims").asInt()).isEqualTo(i);
        }
        try (ServiceProcess last = Platform.trainer("rolling-last")) {
            JsonNode run = Platform.awaitEnd(runId, Duration.ofMinutes(4));
            assertThat(run.get("status").asString()).as(run.toString()).isEqualTo("SUCCEEDED");
            assertThat(run.get("attempt").asInt()).isEqualTo(1);
        }
        // Resumed, not restarted: every epoch logged exactly once.
        assertThat(client.metricHistory(runId, "val_loss").history()).extracting(MetricHistory.Point::step)
                .containsExactlyElementsOf(LongStream.rangeClosed(1, epochs).boxed().toList());
    }
}
