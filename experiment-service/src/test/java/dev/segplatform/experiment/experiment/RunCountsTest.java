package dev.segplatform.experiment.experiment;

import static org.assertj.core.api.Assertions.assertThat;

import dev.segplatform.experiment.Api;
import dev.segplatform.experiment.ServiceTest;
import dev.segplatform.experiment.api.JobStatus;
import dev.segplatform.experiment.queue.JobQueue;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.ApplicationContext;
import org.springframework.test.util.ReflectionTestUtils;
import tools.jackson.databind.JsonNode;

/**
 * The experiment list reads run counts, best value and last activity that migration V10's triggers keep;
 * every path that writes runs or jobs is driven here, and after each step the list must say what a
 * brute-force group-by over run ⟕ job ⟕ latest_metric says. The queue-full check's count of queued jobs
 * is held to {@code count(*)} the same way.
 */
class RunCountsTest extends ServiceTest {

    @Autowired
    JobQueue queue;
    @Autowired
    ApplicationContext context;

    @BeforeEach
    void emptyQueue() {
        drainQueue();
    }

    @AfterEach
    void endLeftoverStudies() {
        jdbc.sql("update study set status = 'STOPPED', ended_at = now() where status = 'RUNNING'").update();
        drainQueue();
    }

    @Test
    void everyWriterKeepsTheListEqualToAGroupByOverTheRuns() {
        long id = api.experiment("counts");
        assertMatches(id, "empty");

        long r1 = api.run(id, "unet");
        long r2 = api.run(id, "unet");
        long r3 = api.run(id, "unet");
        long r4 = api.run(id, "unet");
        assertMatches(id, "four runs created through /api");
        assertThat(counts(id).get(JobStatus.QUEUED)).isEqualTo(4);

        long m1 = mlflowRun(id);
        long m2 = mlflowRun(id);
        assertMatches(id, "two runs created through MLflow's runs/create");
        assertThat(counts(id).get(JobStatus.RUNNING)).isEqualTo(2);

        JsonNode c1 = claim(r1);
        assertMatches(id, "r1 claimed");
        assertThat(api.post("/api/jobs/" + c1.get("jobId").asLong() + "/heartbeat",
                "{\"leaseToken\":\"" + c1.get("leaseToken").asString() + "\"}").status()).isEqualTo(200);
        assertMatches(id, "r1 heartbeat");
        logIou(r1, c1, 0.6, 1);
        assertMatches(id, "r1 logs 0.6");
        assertThat(item(id).get("bestValMeanIou").asDouble()).isEqualTo(0.6);
        logIou(r1, c1, 0.4, 2);
        assertMatches(id, "r1's latest value falls to 0.4");
        assertThat(item(id).get("bestValMeanIou").asDouble()).as("the best falls with the latest").isEqualTo(0.4);
        complete(c1, "SUCCEEDED");
        assertMatches(id, "r1 finished");

        JsonNode c2 = claim(r2);
        complete(c2, "FAILED");
        assertMatches(id, "r2 failed");

        assertThat(api.post("/api/runs/" + r3 + "/cancel", "").status()).isEqualTo(200);
        assertMatches(id, "r3 cancelled while queued");

        JsonNode c4 = claim(r4);
        assertThat(api.post("/api/jobs/" + c4.get("jobId").asLong() + "/release",
                "{\"leaseToken\":\"" + c4.get("leaseToken").asString() + "\"}").status()).isEqualTo(204);
        assertMatches(id, "r4 released back to the queue");
        claim(r4);
        jdbc.sql("update job set lease_expires_at = now() - interval '1 second' where run_id = :id")
                .param("id", r4).update();
        assertThat(queue.sweepExpiredLeases()).isEqualTo(1);
        assertMatches(id, "r4 swept back to the queue");
        JsonNode c4again = claim(r4);
        assertThat(api.post("/api/runs/" + r4 + "/cancel", "").status()).isEqualTo(200);
        assertMatches(id, "r4 asked to cancel while running (still RUNNING)");
        complete(c4again, "CANCELLED");
        assertMatches(id, "r4 cancelled");

        mlflow("runs/log-metric", "{\"run_id\":\"" + m1 + "\",\"key\":\"val_mean_iou\",\"value\":0.9,"
                + "\"timestamp\":1,\"step\":1}");
        assertMatches(id, "m1 logs 0.9 through MLflow");
        assertThat(item(id).get("bestValMeanIou").asDouble()).isEqualTo(0.9);
        mlflow("runs/update", "{\"run_id\":\"" + m1 + "\",\"status\":\"FINISHED\",\"end_time\":"
                + System.currentTimeMillis() + "}");
        assertMatches(id, "m1 set terminated FINISHED");
        mlflow("runs/update", "{\"run_id\":\"" + m2 + "\",\"status\":\"KILLED\",\"end_time\":"
                + System.currentTimeMillis() + "}");
        assertMatches(id, "m2 set terminated KILLED");

        mlflow("runs/delete", "{\"run_id\":\"" + m1 + "\"}");
        assertMatches(id, "m1 deleted");
        assertThat(item(id).get("bestValMeanIou").asDouble()).as("the deleted run's best is gone").isEqualTo(0.4);
        mlflow("runs/restore", "{\"run_id\":\"" + m1 + "\"}");
        assertMatches(id, "m1 restored");
        mlflow("runs/delete", "{\"run_id\":\"" + r1 + "\"}");
        assertMatches(id, "trainer run r1 deleted through MLflow");
        mlflow("runs/restore", "{\"run_id\":\"" + r1 + "\"}");
        assertMatches(id, "r1 restored");

        jdbc.sql("select compact_counts()").query().listOfRows();
        assertMatches(id, "after a compaction");
        assertThat(jdbc.sql("select count(*) from run_count_delta where experiment_id = :id").param("id", id)
                .query(Long.class).single()).as("one row per status left").isLessThanOrEqualTo(JobStatus.values().length);

        assertThat(api.delete("/api/experiments/" + id).status()).isEqualTo(204);
        assertMatches(id, "experiment deleted (its runs stay, and so do their counts)");
        assertThat(api.post("/api/experiments/" + id + "/restore", "").status()).isEqualTo(200);
        assertMatches(id, "experiment restored");

        // A hand-written hard delete (the scale bench's clean-up): the job and summary go by cascade.
        jdbc.sql("delete from run where id = :id").param("id", r2).update();
        assertMatches(id, "r2 hard-deleted with its job");
        jdbc.sql("delete from run where id = :id").param("id", m2).update();
        assertMatches(id, "m2 hard-deleted");
        long r5 = api.run(id, "unet");
        assertMatches(id, "r5 queued");
        jdbc.sql("delete from run where id = :id").param("id", r5).update();
        assertMatches(id, "r5 hard-deleted while queued");

        // Study trials are runs the scheduler creates and records.
        Api.Reply study = api.post("/api/studies", """
                {"experimentId": %d, "name": "tune", "baseSpec": {"model": "unet", "epochs": 1, "imageSize": 32,
                 "width": 8, "batchSize": 8, "dataset": {"type": "synthetic", "count": 60, "seed": 11}},
                 "space": {"learningRate": {"type": "loguniform", "low": 0.0001, "high": 0.1}},
                 "algorithm": "random", "maxTrials": 3, "parallelism": 2, "seed": 7}""".formatted(id));
        assertThat(study.status()).as(study.text()).isEqualTo(201);
        assertMatches(id, "a study queued two trials");
        JsonNode trial = api.post("/api/jobs/claim", "{\"workerId\":\"counts\"}").json();
        logIou(trial.get("runId").asLong(), trial, 0.95, 1);
        complete(trial, "SUCCEEDED");
        studyTick();
        assertMatches(id, "a trial finished and the scheduler queued the next");
        assertThat(item(id).get("bestValMeanIou").asDouble()).isEqualTo(0.95);
        assertThat(api.post("/api/studies/" + study.json().get("id").asLong() + "/stop", "").status())
                .isEqualTo(200);
        studyTick();
        assertMatches(id, "study stopped");
    }

    @Test
    void runsCreatedConcurrentlyInOneExperimentAreAllCounted() throws Exception {
        long id = api.experiment("concurrent");
        int threads = 8;
        int perThread = 25;
        ExecutorService pool = Executors.newFixedThreadPool(threads + 2);
        AtomicBoolean creating = new AtomicBoolean(true);
        try {
            List<Future<?>> creators = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                boolean viaMlflow = t % 4 == 3;
                creators.add(pool.submit(() -> {
                    for (int i = 0; i < perThread; i++) {
                        if (viaMlflow) {
                            mlflowRun(id);
                        } else {
                            api.run(id, "unet");
                        }
                    }
                    return null;
                }));
            }
            // A worker finishing jobs and the compaction run at the same time as the creations.
            Future<Integer> worker = pool.submit(() -> {
                int finished = 0;
                while (creating.get() || finished < 10) {
                    Api.Reply reply = api.post("/api/jobs/claim", "{\"workerId\":\"concurrent\"}");
                    if (reply.status() == 200) {
                        complete(reply.json(), finished % 2 == 0 ? "SUCCEEDED" : "FAILED");
                        finished++;
                    }
                }
                return finished;
            });
            Future<?> compactor = pool.submit(() -> {
                while (creating.get()) {
                    jdbc.sql("select compact_counts()").query().listOfRows();
                }
                return null;
            });
            for (Future<?> creator : creators) {
                creator.get();
            }
            creating.set(false);
            int finished = worker.get();
            compactor.get();

            assertMatches(id, "after concurrent creations");
            Map<JobStatus, Long> counts = counts(id);
            assertThat(counts.values().stream().mapToLong(Long::longValue).sum()).isEqualTo((long) threads * perThread);
            assertThat(counts.get(JobStatus.SUCCEEDED) + counts.get(JobStatus.FAILED)).isEqualTo(finished);
        } finally {
            creating.set(false);
            pool.shutdownNow();
        }
    }

    /** The list's item for this experiment (deleted ones included) against the brute force, and one GET too. */
    private void assertMatches(long id, String step) {
        JsonNode listed = item(id);
        assertThat(counts(listed)).as(step + ": run counts").isEqualTo(bruteForceCounts(id));

        Double best = jdbc.sql("""
                        select max(lm.value) filter (where lm.value <> 'NaN') from run r
                        join latest_metric lm on lm.run_id = r.id and lm.key = 'val_mean_iou'
                        where r.experiment_id = :id and r.deleted_at is null""")
                .param("id", id).query(Double.class).optional().orElse(null);
        assertThat(listed.get("bestValMeanIou").isNull() ? null : listed.get("bestValMeanIou").asDouble())
                .as(step + ": best val_mean_iou").isEqualTo(best);

        Instant activity = jdbc.sql("""
                        select greatest(e.updated_at, max(greatest(r.created_at, j.started_at, j.heartbeat_at,
                                                                   j.ended_at, r.started_at, r.ended_at)))
                        from experiment e
                        left join run r on r.experiment_id = e.id and r.deleted_at is null
                        left join job j on j.run_id = r.id
                        where e.id = :id
                        group by e.updated_at""")
                .param("id", id).query(java.sql.Timestamp.class).single().toInstant();
        assertThat(Instant.parse(listed.get("lastActivityAt").asString())).as(step + ": last activity")
                .isEqualTo(activity);

        JsonNode one = api.get("/api/experiments/" + id).json();
        assertThat(one.get("runCounts")).as(step + ": GET one experiment").isEqualTo(listed.get("runCounts"));

        assertThat(jdbc.sql("select coalesce(sum(delta), 0) from queued_job_delta").query(Long.class).single())
                .as(step + ": queued jobs as the queue-full check counts them")
                .isEqualTo(jdbc.sql("select count(*) from job where status = 'QUEUED'").query(Long.class).single());
    }

    private Map<JobStatus, Long> bruteForceCounts(long id) {
        Map<JobStatus, Long> counts = new EnumMap<>(JobStatus.class);
        for (JobStatus status : JobStatus.values()) {
            counts.put(status, 0L);
        }
        jdbc.sql("""
                        select coalesce(j.status, r.status) as status, count(*) as runs
                        from run r left join job j on j.run_id = r.id
                        where r.experiment_id = :id and r.deleted_at is null
                        group by coalesce(j.status, r.status)""")
                .param("id", id)
                .query(rs -> {
                    counts.put(JobStatus.valueOf(rs.getString("status")), rs.getLong("runs"));
                });
        return counts;
    }

    private JsonNode item(long id) {
        String name = api.get("/api/experiments/" + id).json().get("name").asString();
        for (JsonNode item : api.get("/api/experiments", Api.query("name", name, "includeDeleted", "true")).json()
                .get("items")) {
            if (item.get("id").asLong() == id) {
                return item;
            }
        }
        throw new AssertionError("experiment " + id + " is not in the list");
    }

    private Map<JobStatus, Long> counts(long id) {
        return counts(item(id));
    }

    private static Map<JobStatus, Long> counts(JsonNode item) {
        Map<JobStatus, Long> counts = new EnumMap<>(JobStatus.class);
        item.get("runCounts").properties().forEach(e -> counts.put(JobStatus.valueOf(e.getKey()), e.getValue().asLong()));
        return counts;
    }

    private long mlflowRun(long experimentId) {
        return Long.parseLong(mlflow("runs/create", "{\"experiment_id\":\"" + experimentId + "\"}")
                .get("run").get("info").get("run_id").asString());
    }

    /** One round of the study scheduler (package-private in study/, and off in these tests: studies move by hand). */
    private void studyTick() {
        ReflectionTestUtils.invokeMethod(context.getBean("studyScheduler"), "tick");
    }

    private JsonNode mlflow(String path, String body) {
        Api.Reply reply = api.post("/api/2.0/mlflow/" + path, body);
        assertThat(reply.status()).as(path + ": " + reply.text()).isEqualTo(200);
        return reply.json();
    }

    private JsonNode claim(long runId) {
        Api.Reply reply = api.post("/api/jobs/claim", "{\"workerId\":\"counts\"}");
        assertThat(reply.status()).as(reply.text()).isEqualTo(200);
        assertThat(reply.json().get("runId").asLong()).isEqualTo(runId);
        return reply.json();
    }

    private void complete(JsonNode claim, String outcome) {
        Api.Reply reply = api.post("/api/jobs/" + claim.get("jobId").asLong() + "/complete",
                "{\"leaseToken\":\"" + claim.get("leaseToken").asString() + "\",\"outcome\":\"" + outcome + "\"}");
        assertThat(reply.status()).as(reply.text()).isEqualTo(204);
    }

    private void logIou(long runId, JsonNode claim, double value, long step) {
        assertThat(api.post("/api/runs/" + runId + "/metrics",
                "{\"metrics\":[{\"key\":\"val_mean_iou\",\"value\":" + value + ",\"step\":" + step + "}]}",
                Map.of("X-Lease-Token", claim.get("leaseToken").asString())).status()).isEqualTo(204);
    }
}
