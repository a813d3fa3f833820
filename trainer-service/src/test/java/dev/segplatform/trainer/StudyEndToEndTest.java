package dev.segplatform.trainer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.segplatform.testsupport.ServiceProcess;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * A tuning study on two real trainer processes: six trials of a tiny U-Net on generated pets, two
 * at a time, over learning rate (loguniform 1e-4..1e-1) and batch size (8, 16, 32) with the median
 * pruner. Random search with seed 339 draws lr 0.0085 and 0.0033 (batch 8) for the first two trials
 * and lr 0.00012 with batch 32 (two steps an epoch) for the third: it learns next to nothing in a few
 * epochs, so the pruner has a clearly bad trial to stop while it trains. The two trainers get one
 * native thread each, so together they fit two cores; on an idle two-core machine the study takes
 * about three minutes, the generous timeout is for a machine shared with other work.
 */
class StudyEndToEndTest {

    @Test
    void sixTrialsTwoAtATimeOnTwoTrainersPruneTheBadOnesAndFindTheBestRun() throws Exception {
        Platform.experimentService();
        Map<String, String> oneThread = Map.of("OMP_NUM_THREADS", "1");
        try (ServiceProcess first = Platform.trainer("study-a", oneThread);
             ServiceProcess second = Platform.trainer("study-b", oneThread)) {
            long experimentId = Platform.experiment("study-e2e");
            JsonNode created = Platform.post("/api/studies", """
                    {"experimentId": %d, "name": "lr-and-batch", "algorithm": "random", "seed": 339,
                     "maxTrials": 6, "parallelism": 2, "pruner": {"type": "median", "startupTrials": 2},
                     "objective": {"metric": "val_mean_iou", "mode": "max"},
                     "baseSpec": {"model": "unet", "epochs": 8, "imageSize": 32, "width": 8, "seed": 3,
                                  "dataset": %s},
                     "space": {"learningRate": {"type": "loguniform", "low": 0.0001, "high": 0.1},
                               "batchSize": {"type": "choice", "values": [8, 16, 32]}}}"""
                    .formatted(experimentId, Platform.PETS));
            long studyId = created.get("id").asLong();

            JsonNode study = awaitEnd(studyId, Duration.ofMinutes(15));
            for (JsonNode trial : study.get("trials")) {
                System.out.printf("trial %d: %s %s -> %s %s (step %s) on %s%s%n", trial.get("number").asInt(),
                        trial.get("params"), trial.get("runId"), trial.get("state").asString(), trial.get("objective"),
                        trial.get("step"), trial.get("workerId"),
                        trial.get("message").isNull() ? "" : " - " + trial.get("message").asString());
            }
            assertThat(study.get("status").asString()).as(study.toString()).isEqualTo("COMPLETED");
            assertThat(study.get("trials")).hasSize(6);
            assertThat(study.get("trialsCreated").asInt()).isEqualTo(6);

            // Both trainers took trials, and never more than two trials ran at once, but two did.
            Set<String> workers = new HashSet<>();
            List<Instant[]> spans = new ArrayList<>();
            List<JsonNode> runs = new ArrayList<>();
            for (JsonNode trial : study.get("trials")) {
                JsonNode run = Platform.client().run(trial.get("runId").asLong());
                runs.add(run);
                workers.add(run.get("workerId").asString());
                spans.add(new Instant[] {Instant.parse(run.get("startedAt").asString()),
                        Instant.parse(run.get("endedAt").asString())});
                assertThat(run.get("tags").get("study.trial").asString()).isEqualTo(trial.get("number").asString());
            }
            assertThat(workers).containsExactlyInAnyOrder("study-a", "study-b");
            assertThat(mostAtOnce(spans)).isEqualTo(2);

            // The median pruner stopped at least one trial while it trained; it counts toward the budget.
            // (Its decision reaches a trainer within a study tick and a heartbeat, 1 s each here: 8
            // epochs keep a trial running long enough; at 4 the fast networks sometimes finished first.)
            List<JsonNode> pruned = new ArrayList<>();
            study.get("trials").forEach(trial -> {
                if (trial.get("state").asString().equals("PRUNED")) {
                    pruned.add(trial);
                }
            });
            assertThat(pruned).as("pruned trials").isNotEmpty();
            for (JsonNode trial : pruned) {
                assertThat(trial.get("message").asString()).contains("median");
                assertThat(trial.get("step").asLong()).as("stopped before its last epoch").isLessThan(8);
            }

            // The best trial is the best finished run, by the runs' own metrics and by the run search.
            JsonNode bestRun = null;
            for (JsonNode run : runs) {
                if (run.get("status").asString().equals("SUCCEEDED") && (bestRun == null
                        || value(run) > value(bestRun))) {
                    bestRun = run;
                }
            }
            assertThat(bestRun).isNotNull();
            JsonNode best = study.get("bestTrial");
            assertThat(best.get("runId").asLong()).isEqualTo(bestRun.get("id").asLong());
            assertThat(best.get("objective").asDouble()).isEqualTo(value(bestRun));
            JsonNode top = Platform.get("/api/runs?experimentId=" + experimentId
                    + "&status=SUCCEEDED&orderBy=metrics.val_mean_iou%20DESC&maxResults=1").get("runs").get(0);
            assertThat(top.get("id").asLong()).isEqualTo(best.get("runId").asLong());
        }
    }

    private static double value(JsonNode run) {
        return run.get("metrics").get("val_mean_iou").get("value").asDouble();
    }

    private static JsonNode awaitEnd(long studyId, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        JsonNode study = null;
        while (System.nanoTime() < deadline) {
            study = Platform.get("/api/studies/" + studyId);
            if (!study.get("status").asString().equals("RUNNING")) {
                return study;
            }
            Thread.sleep(500);
        }
        throw new AssertionError("study " + studyId + " still running after " + timeout + ": " + study);
    }

    /** The largest number of [start, end] spans that overlap at one instant. */
    private static int mostAtOnce(List<Instant[]> spans) {
        int most = 0;
        for (Instant[] span : spans) {
            int at = 0;
            for (Instant[] other : spans) {
                if (!other[0].isAfter(span[0]) && other[1].isAfter(span[0])) {
                    at++;
                }
            }
            most = Math.max(most, at);
        }
        return most;
    }
}
