package dev.segplatform.experiment.run;

import static org.assertj.core.api.Assertions.assertThat;

import dev.segplatform.experiment.Api;
import dev.segplatform.experiment.ServiceTest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** {@code GET /api/queue}: running jobs first, then queued ones in the order claims take them. */
class QueueViewTest extends ServiceTest {

    @Test
    void runningJobsComeFirstThenQueuedOnesInClaimOrder() {
        drainQueue();
        long experimentId = api.experiment("queue-view");
        long held = api.run(experimentId, "unet");
        long second = api.run(experimentId, "pspnet");
        long third = api.run(experimentId, "icnet");
        JsonNode claim = api.post("/api/jobs/claim", "{\"workerId\":\"queue-view-worker\"}").json();
        assertThat(claim.get("runId").asLong()).isEqualTo(held);
        assertThat(api.post("/api/jobs/" + claim.get("jobId").asLong() + "/heartbeat",
                "{\"leaseToken\":\"" + claim.get("leaseToken").asString() + "\",\"progress\":{\"epoch\":2,"
                        + "\"epochs\":5,\"step\":40,\"stepsPerEpoch\":20,\"imagesPerSecond\":12.5,\"etaSeconds\":60}}")
                .status()).isEqualTo(200);
        assertThat(api.post("/api/runs/" + third + "/cancel", "").status()).isEqualTo(200);
        long fourth = api.run(experimentId, "unet");
        assertThat(api.post("/api/runs/" + held + "/cancel", "").status()).isEqualTo(200);

        JsonNode queue = ok(api.get("/api/queue?limit=1000"));
        long running = jdbc.sql("select count(*) from job where status = 'RUNNING'").query(Long.class).single();
        assertThat(queue.get("running").asLong()).isEqualTo(running);
        assertThat(queue.get("queued").asLong()).as("the cancelled one left the queue").isEqualTo(2);
        List<JsonNode> jobs = new ArrayList<>();
        queue.get("jobs").forEach(jobs::add);
        assertThat(jobs).hasSize((int) running + 2);
        // Every running job (other tests leave some) before every queued one.
        assertThat(jobs.subList(0, (int) running)).allMatch(job -> job.get("status").asString().equals("RUNNING")
                && job.get("position").isNull());
        JsonNode mine = jobs.stream().filter(job -> job.get("runId").asLong() == held).findFirst().orElseThrow();
        assertThat(mine.get("workerId").asString()).isEqualTo("queue-view-worker");
        assertThat(mine.get("jobId").asLong()).isEqualTo(claim.get("jobId").asLong());
        assertThat(mine.get("experimentId").asLong()).isEqualTo(experimentId);
        assertThat(mine.get("experimentName").asString()).startsWith("queue-view-");
        assertThat(mine.get("runName").asString()).isEqualTo("r");
        assertThat(mine.get("progress").get("epoch").asInt()).isEqualTo(2);
        assertThat(mine.get("progress").get("imagesPerSecond").asDouble()).isEqualTo(12.5);
        assertThat(mine.get("claims").asInt()).isEqualTo(1);
        assertThat(mine.get("attempt").asInt()).isEqualTo(1);
        assertThat(mine.get("cancelRequested").asBoolean()).isTrue();
        assertThat(mine.get("leaseExpiresAt").isNull()).isFalse();
        assertThat(mine.get("startedAt").isNull()).isFalse();

        JsonNode next = jobs.get((int) running);
        JsonNode last = jobs.get((int) running + 1);
        assertThat(next.get("runId").asLong()).isEqualTo(second);
        assertThat(next.get("status").asString()).isEqualTo("QUEUED");
        assertThat(next.get("position").asInt()).isEqualTo(1);
        assertThat(next.get("workerId").isNull()).isTrue();
        assertThat(next.get("progress").isNull()).isTrue();
        assertThat(next.get("startedAt").isNull()).isTrue();
        assertThat(next.get("leaseExpiresAt").isNull()).isTrue();
        assertThat(next.get("claims").asInt()).isZero();
        assertThat(last.get("runId").asLong()).isEqualTo(fourth);
        assertThat(last.get("position").asInt()).isEqualTo(2);

        // The positions are the claims' own order: the next claim takes position 1.
        JsonNode taken = api.post("/api/jobs/claim", "{\"workerId\":\"queue-view-worker-2\"}").json();
        assertThat(taken.get("runId").asLong()).isEqualTo(second);

        // The limit cuts queued jobs before running ones.
        JsonNode cut = ok(api.get("/api/queue", Map.of("limit", "1")));
        assertThat(cut.get("jobs")).hasSize(1);
        assertThat(cut.get("jobs").get(0).get("status").asString()).isEqualTo("RUNNING");
        assertThat(cut.get("queued").asLong()).isEqualTo(1);

        Api.Reply refused = api.get("/api/queue", Map.of("limit", "0"));
        assertThat(refused.status()).isEqualTo(400);
        assertThat(refused.text()).contains("limit");
    }

    private static JsonNode ok(Api.Reply reply) {
        assertThat(reply.status()).as(reply.text()).isEqualTo(200);
        return reply.json();
    }
}
