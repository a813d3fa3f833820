package dev.segplatform.demo;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class StudyReportTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** The fields as GET /api/studies/{id} answers them, trimmed to what the report reads. */
    private static final String STUDY = """
            {"id": 3, "status": "%s", "message": %s, "maxTrials": 4,
             "objective": {"metric": "val_mean_iou", "mode": "max"},
             "trialCounts": {"QUEUED": 0, "RUNNING": %d, "SUCCEEDED": 3, "FAILED": 0, "CANCELLED": 0, "PRUNED": %d},
             "bestTrial": {"number": 3, "runId": 17, "state": "SUCCEEDED",
                           "params": {"learningRate": 0.012345, "batchSize": 16}, "objective": 0.5123, "step": 2},
             "trials": [
               {"number": 1, "runId": 15, "state": "SUCCEEDED", "params": {"learningRate": 0.0031, "batchSize": 8},
                "objective": 0.41, "step": 2},
               {"number": 2, "runId": 16, "state": "PRUNED", "params": {"learningRate": 0.00012, "batchSize": 8},
                "objective": 0.1, "step": 1, "message": "below the median"},
               {"number": 3, "runId": 17, "state": "SUCCEEDED", "params": {"learningRate": 0.012345, "batchSize": 16},
                "objective": 0.5123, "step": 2},
               {"number": 4, "runId": 18, "state": "%s", "params": {"learningRate": 0.05, "batchSize": 16},
                "objective": null, "step": null}
             ]}""";

    private static JsonNode study(String status, String message, int running, int pruned, String lastTrial) {
        return JSON.readTree(STUDY.formatted(status, message, running, pruned, lastTrial));
    }

    @Test
    void aStudyIsASentenceFromItsRealCounts() {
        assertThat(StudyReport.status(study("COMPLETED", "null", 0, 1, "SUCCEEDED")))
                .isEqualTo("study finished: 4 of 4 trials (3 succeeded, 1 pruned)");
        assertThat(StudyReport.status(study("RUNNING", "null", 1, 0, "RUNNING")))
                .isEqualTo("study running: 3 of 4 trials ended (3 succeeded), 1 running");
        assertThat(StudyReport.status(study("FAILED", "\"no trial could be created\"", 0, 0, "QUEUED")))
                .isEqualTo("study failed after 3 of 4 trials (3 succeeded): no trial could be created");
    }

    @Test
    void theBestTrialAndEachTrialAreWordsAndATableNotJson() {
        JsonNode study = study("COMPLETED", "null", 0, 1, "SUCCEEDED");
        assertThat(StudyReport.best(study)).isEqualTo(
                "Best trial: 3 (learningRate 0.0123, batchSize 16) with val_mean_iou 0.512 at epoch 2, run 17.");
        assertThat(StudyReport.trialEnded(study.path("trials").get(1), "val_mean_iou"))
                .isEqualTo("trial 2 pruned at epoch 1: learningRate 0.000120, batchSize 8; val_mean_iou 0.100");
        assertThat(StudyReport.table(study, "  ")).containsExactly(
                "  trial  state      learningRate  batchSize  val_mean_iou",
                "      1  succeeded       0.00310          8         0.410",
                "      2  pruned         0.000120          8         0.100",
                "      3  succeeded        0.0123         16         0.512",
                "      4  succeeded        0.0500         16             -");
    }

    @Test
    void noBestTrialIsSaidSo() {
        JsonNode study = JSON.readTree("{\"status\": \"FAILED\", \"objective\": {\"metric\": \"val_mean_iou\"}, \"bestTrial\": null}");
        assertThat(StudyReport.best(study)).isEqualTo("No best trial: no trial succeeded with a value of val_mean_iou.");
    }
}
