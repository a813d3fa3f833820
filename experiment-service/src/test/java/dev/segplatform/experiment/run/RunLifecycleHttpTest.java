package dev.segplatform.experiment.run;

import static org.assertj.core.api.Assertions.assertThat;

import dev.segplatform.experiment.Api;
import dev.segplatform.experiment.ServiceTest;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** A run walked from QUEUED to SUCCEEDED by a pretend worker, through the REST API only. */
class RunLifecycleHttpTest extends ServiceTest {

    @Test
    void runGoesFromQueuedToSucceededWithMetricsAndAnArtifact() throws Exception {
        drainQueue();
        long experimentId = api.experiment("lifecycle");
        Api.Reply created = api.post("/api/experiments/" + experimentId + "/runs", """
                {"name": "icnet-baseline", "tags": {"owner": "ana"},
                 "spec": {"model": "icnet", "epochs": 20, "batchSize": 32, "learningRate": 0.0079,
                          "imageSize": 128, "dataset": {"type": "oxford-pet", "path": "pets"}}}""");
        assertThat(created.status()).isEqualTo(201);
        assertThat(created.header("Location")).endsWith("/api/runs/" + created.json().get("id").asLong());
        JsonNode run = created.json();
        long runId = run.get("id").asLong();
        assertThat(run.get("status").asString()).isEqualTo("QUEUED");
        // Defaults are filled in and every spec field is a param.
        assertThat(run.get("params").get("learningRate").asString()).isEqualTo("0.0079");
        assertThat(run.get("params").get("optimizer").asString()).isEqualTo("adam");
        assertThat(run.get("params").get("dataset.path").asString()).isEqualTo("pets");
        assertThat(run.get("params").get("icnetLossWeights").asString()).isEqualTo("[0.4,0.4,1.0]");
        assertThat(run.get("tags").get("owner").asString()).isEqualTo("ana");

        JsonNode claim = api.post("/api/jobs/claim", "{\"workerId\":\"w-http\"}").json();
        assertThat(claim.get("runId").asLong()).isEqualTo(runId);
        assertThat(claim.get("spec").get("model").asString()).isEqualTo("icnet");
        String token = claim.get("leaseToken").asString();
        long jobId = claim.get("jobId").asLong();
        Map<String, String> lease = Map.of("X-Lease-Token", token);
        assertThat(api.get("/api/runs/" + runId).json().get("status").asString()).isEqualTo("RUNNING");

        JsonNode beat = api.post("/api/jobs/" + jobId + "/heartbeat", """
                {"leaseToken": "%s", "progress": {"epoch": 1, "epochs": 20, "step": 5, "stepsPerEpoch": 10,
                 "imagesPerSecond": 40.0, "etaSeconds": 120}}""".formatted(token)).json();
        assertThat(beat.get("action").asString()).isEqualTo("CONTINUE");

        for (int epoch = 1; epoch <= 3; epoch++) {
            Api.Reply metrics = api.post("/api/runs/" + runId + "/metrics", """
                    {"metrics": [{"key": "loss", "value": %s, "step": %d},
                                 {"key": "val_mean_iou", "value": %s, "step": %d}]}"""
                    .formatted(1.0 / epoch, epoch, 0.2 * epoch, epoch), lease);
            assertThat(metrics.status()).isEqualTo(204);
        }
        assertThat(api.post("/api/runs/" + runId + "/params", "{\"params\":{\"parameters\":\"1234\"}}", lease).status())
                .isEqualTo(200);

        byte[] bundle = new byte[300_000];
        new Random(1).nextBytes(bundle);
        Api.Reply upload = api.put("/api/runs/" + runId + "/artifacts/model/bundle.zip", bundle,
                Map.of("X-Lease-Token", token, "Content-Type", "application/zip"));
        assertThat(upload.status()).isEqualTo(201);
        String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bundle));
        assertThat(upload.json().get("sha256").asString()).isEqualTo(sha);
        assertThat(upload.json().get("size").asLong()).isEqualTo(bundle.length);

        assertThat(api.post("/api/jobs/" + jobId + "/complete",
                "{\"leaseToken\":\"" + token + "\",\"outcome\":\"SUCCEEDED\"}").status()).isEqualTo(204);

        JsonNode done = api.get("/api/runs/" + runId).json();
        assertThat(done.get("status").asString()).isEqualTo("SUCCEEDED");
        assertThat(done.get("endedAt").isNull()).isFalse();
        assertThat(done.get("progress").get("epoch").asInt()).isEqualTo(1);
        assertThat(done.get("metrics").get("val_mean_iou").get("value").asDouble()).isEqualTo(0.6000000000000001);
        assertThat(done.get("metrics").get("loss").get("step").asLong()).isEqualTo(3);
        assertThat(done.get("params").get("parameters").asString()).isEqualTo("1234");

        JsonNode history = api.get("/api/runs/" + runId + "/metrics/loss").json().get("history");
        assertThat(history).hasSize(3);
        assertThat(history.get(0).get("step").asLong()).isEqualTo(1);
        assertThat(api.bytes("/api/runs/" + runId + "/artifacts/model/bundle.zip")).isEqualTo(bundle);
        assertThat(api.get("/api/runs/" + runId + "/artifacts").json().get(0).get("path").asString())
                .isEqualTo("model/bundle.zip");

        JsonNode best = api.get("/api/models/best?experimentId=" + experimentId).json();
        assertThat(best.get("runId").asLong()).isEqualTo(runId);
        assertThat(best.get("artifact").get("sha256").asString()).isEqualTo(sha);

        // Once finished, the old token is worthless.
        assertThat(api.post("/api/jobs/" + jobId + "/heartbeat", "{\"leaseToken\":\"" + token + "\"}").status())
                .isEqualTo(409);
    }

    @Test
    void nanAndInfinityAreStoredAndReportedAsSuch() {
        long runId = api.run(api.experiment("nan"), "unet");
        drainQueue();
        Api.Reply reply = api.post("/api/runs/" + runId + "/metrics", """
                {"metrics": [{"key": "loss", "value": "NaN", "step": 1}, {"key": "loss", "value": "Infinity", "step": 2},
                             {"key": "loss", "value": "-Infinity", "step": 3}]}""");
        assertThat(reply.status()).isEqualTo(204);
        JsonNode history = api.get("/api/runs/" + runId + "/metrics/loss").json().get("history");
        assertThat(history.get(0).get("value").asString()).isEqualTo("NaN");
        assertThat(history.get(1).get("value").asString()).isEqualTo("Infinity");
        assertThat(history.get(2).get("value").asString()).isEqualTo("-Infinity");
    }

    @Test
    void bestModelPicksTheHighestMetricAmongSucceededRunsWithABundle() {
        drainQueue();
        long experimentId = api.experiment("best");
        long low = finishedRun(experimentId, 0.5, true);
        long high = finishedRun(experimentId, 0.9, true);
        finishedRun(experimentId, 0.99, false); // best value, but no bundle: not servable
        assertThat(api.get("/api/models/best?experimentId=" + experimentId).json().get("runId").asLong()).isEqualTo(high);
        assertThat(api.get("/api/models/best?experimentId=" + experimentId + "&mode=min").json().get("runId").asLong())
                .isEqualTo(low);
        assertThat(api.get("/api/models/best?experimentId=" + experimentId + "&metric=nope").status()).isEqualTo(404);
        assertThat(api.get("/api/models/best?mode=sideways").status()).isEqualTo(400);
    }

    /**
     * A trainer that keeps its best epoch says which (param bundle_epoch); the run is ranked, and its
     * value reported, by that epoch's metric, since that is the model it serves, not by the last epoch's.
     */
    @Test
    void bestModelRanksARunByTheEpochItsBundleHolds() {
        drainQueue();
        long experimentId = api.experiment("best-epoch");
        long steady = finishedRun(experimentId, 0.7, true);
        long peaked = api.run(experimentId, "unet");
        JsonNode claim = api.post("/api/jobs/claim", "{\"workerId\":\"w\"}").json();
        Map<String, String> lease = Map.of("X-Lease-Token", claim.get("leaseToken").asString());
        api.post("/api/runs/" + peaked + "/metrics", """
                {"metrics": [{"key": "val_mean_iou", "value": 0.5, "step": 1}, {"key": "val_mean_iou", "value": 0.8, "step": 2},
                             {"key": "val_mean_iou", "value": 0.6, "step": 3}]}""", lease);
        api.post("/api/runs/" + peaked + "/params", "{\"params\":{\"bundle_epoch\":\"2\"}}", lease);
        api.put("/api/runs/" + peaked + "/artifacts/model/bundle.zip", new byte[] {4, 5, 6}, lease);
        api.post("/api/jobs/" + claim.get("jobId").asLong() + "/complete",
                "{\"leaseToken\":\"" + claim.get("leaseToken").asString() + "\",\"outcome\":\"SUCCEEDED\"}");

        JsonNode best = api.get("/api/models/best?experimentId=" + experimentId).json();
        assertThat(best.get("runId").asLong()).as("0.8 at the kept epoch beats 0.7, though its last value is 0.6")
                .isEqualTo(peaked);
        assertThat(best.get("value").asDouble()).isEqualTo(0.8);
        JsonNode worst = api.get("/api/models/best?experimentId=" + experimentId + "&mode=min").json();
        assertThat(worst.get("runId").asLong()).isEqualTo(steady);
        assertThat(worst.get("value").asDouble()).isEqualTo(0.7);
    }

    private long finishedRun(long experimentId, double iou, boolean withBundle) {
        long runId = api.run(experimentId, "unet");
        JsonNode claim = api.post("/api/jobs/claim", "{\"workerId\":\"w\"}").json();
        assertThat(claim.get("runId").asLong()).isEqualTo(runId);
        Map<String, String> lease = Map.of("X-Lease-Token", claim.get("leaseToken").asString());
        api.post("/api/runs/" + runId + "/metrics", "{\"metrics\":[{\"key\":\"val_mean_iou\",\"value\":" + iou + "}]}", lease);
        if (withBundle) {
            api.put("/api/runs/" + runId + "/artifacts/model/bundle.zip", new byte[] {1, 2, 3}, lease);
        }
        api.post("/api/jobs/" + claim.get("jobId").asLong() + "/complete",
                "{\"leaseToken\":\"" + claim.get("leaseToken").asString() + "\",\"outcome\":\"SUCCEEDED\"}");
        return runId;
    }
}
