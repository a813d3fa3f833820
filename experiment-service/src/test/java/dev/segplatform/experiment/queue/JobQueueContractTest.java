package dev.segplatform.experiment.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.segplatform.experiment.Api;
import dev.segplatform.experiment.ServiceTest;
import dev.segplatform.experiment.api.JobAction;
import dev.segplatform.experiment.api.JobClaim;
import dev.segplatform.experiment.api.JobStatus;
import dev.segplatform.experiment.api.ModelArchitecture;
import dev.segplatform.experiment.api.Progress;
import dev.segplatform.experiment.api.WorkerCapabilities;
import dev.segplatform.experiment.problem.StaleLeaseException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;

/** The queue's behaviour, written once and run against real PostgreSQL. */
class JobQueueContractTest extends ServiceTest {

    @Autowired
    JobQueue queue;

    long experimentId;

    @BeforeEach
    void isolate() {
        drainQueue();
        experimentId = api.experiment("queue");
    }

    @Test
    void concurrentClaimersTakeEveryJobExactlyOnce() throws Exception {
        int jobs = 60;
        int claimers = 8;
        List<Long> runIds = new ArrayList<>();
        for (int i = 0; i < jobs; i++) {
            runIds.add(api.run(experimentId, "unet"));
        }
        ConcurrentLinkedQueue<JobClaim> claimed = new ConcurrentLinkedQueue<>();
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(claimers);
        List<Future<?>> workers = new ArrayList<>();
        for (int w = 0; w < claimers; w++) {
            String worker = "worker-" + w;
            workers.add(pool.submit(() -> {
                start.await();
                Optional<JobClaim> claim;
                while ((claim = queue.claim(worker, WorkerCapabilities.ANY)).isPresent()) {
                    claimed.add(claim.get());
                }
                return null;
            }));
        }
        start.countDown();
        for (Future<?> worker : workers) {
            worker.get(60, TimeUnit.SECONDS);
        }
        pool.shutdown();

        assertThat(claimed).hasSize(jobs);
        assertThat(claimed.stream().map(JobClaim::runId).distinct()).containsExactlyInAnyOrderElementsOf(runIds);
        assertThat(claimed.stream().map(JobClaim::leaseToken).distinct()).hasSize(jobs);
        assertThat(jdbc.sql("select count(*) from job where status = 'RUNNING' and run_id in (:ids)")
                .param("ids", runIds).query(Long.class).single()).isEqualTo(jobs);
    }

    @Test
    void claimsOldestFirstAndOnlyWhatTheWorkerCanRun() {
        long pspnet = api.run(experimentId, "pspnet");
        long unet = api.run(experimentId, "unet");

        Optional<JobClaim> unetOnly = queue.claim("w", new WorkerCapabilities(Set.of(ModelArchitecture.UNET), 1));
        assertThat(unetOnly).map(JobClaim::runId).contains(unet);
        assertThat(queue.claim("w", new WorkerCapabilities(Set.of(ModelArchitecture.UNET), 1))).isEmpty();
        assertThat(queue.claim("w", WorkerCapabilities.ANY)).map(JobClaim::runId).contains(pspnet);
        assertThat(queue.claim("w", WorkerCapabilities.ANY)).isEmpty();
    }

    @Test
    void aClaimAskedAgainAsTheSameRequestGetsItsLeaseBackInsteadOfASecondJob() {
        long first = api.run(experimentId, "unet");
        long second = api.run(experimentId, "unet");
        UUID request = UUID.randomUUID();
        JobClaim claimed = queue.claim("w", WorkerCapabilities.ANY, request).orElseThrow();
        assertThat(claimed.runId()).isEqualTo(first);

        // The answer was lost on its way; the worker asks again as the same request.
        JobClaim again = queue.claim("w", WorkerCapabilities.ANY, request).orElseThrow();
        assertThat(again.jobId()).isEqualTo(claimed.jobId());
        assertThat(again.leaseToken()).isEqualTo(claimed.leaseToken());
        assertThat(again.claim()).isEqualTo(claimed.claim());
        assertThat(again.attempt()).isEqualTo(claimed.attempt());
        assertThat(again.spec()).isEqualTo(claimed.spec());
        assertThat(again.leaseExpiresAt()).isAfterOrEqualTo(claimed.leaseExpiresAt());
        assertThat(attempts(first)).hasSize(1);
        assertThat(status(second)).isEqualTo(JobStatus.QUEUED);

        // Only that worker's request: the same id from another worker is a claim of its own.
        JobClaim other = queue.claim("other", WorkerCapabilities.ANY, request).orElseThrow();
        assertThat(other.runId()).isEqualTo(second);
        // A lapsed lease is not handed out again: the request is then an ordinary claim, and nothing is queued.
        expireLease(claimed.jobId());
        assertThat(queue.claim("w", WorkerCapabilities.ANY, request)).isEmpty();
        assertThat(attempts(first)).hasSize(1);

        // Nothing left running for the next test's sweep to hand out.
        queue.complete(claimed.jobId(), claimed.leaseToken(), JobStatus.SUCCEEDED, null);
        queue.complete(other.jobId(), other.leaseToken(), JobStatus.SUCCEEDED, null);
    }

    @Test
    void deliveriesOfOneClaimThatOverlapLeaseOneJobBetweenThem() throws Exception {
        // A retry can reach the service while the first delivery is still in its transaction (the
        // client timed out first). Several rounds, since an overlap is a matter of timing.
        int deliveries = 6;
        ExecutorService pool = Executors.newFixedThreadPool(deliveries);
        try {
            for (int round = 0; round < 5; round++) {
                List<Long> runIds = List.of(api.run(experimentId, "unet"), api.run(experimentId, "unet"));
                UUID request = UUID.randomUUID();
                CountDownLatch start = new CountDownLatch(1);
                List<Future<Optional<JobClaim>>> answers = new ArrayList<>();
                for (int d = 0; d < deliveries; d++) {
                    answers.add(pool.submit(() -> {
                        start.await();
                        return queue.claim("w", WorkerCapabilities.ANY, request);
                    }));
                }
                start.countDown();
                List<JobClaim> claims = new ArrayList<>();
                for (Future<Optional<JobClaim>> answer : answers) {
                    claims.add(answer.get(30, TimeUnit.SECONDS).orElseThrow());
                }
                assertThat(claims.stream().map(JobClaim::leaseToken).distinct()).as("round %d", round).hasSize(1);
                assertThat(claims.get(0).runId()).isEqualTo(runIds.get(0));
                assertThat(attempts(runIds.get(0))).hasSize(1);
                assertThat(status(runIds.get(1))).isEqualTo(JobStatus.QUEUED);
                // Nothing left running for a later sweep, nor queued for the next round.
                queue.complete(claims.get(0).jobId(), claims.get(0).leaseToken(), JobStatus.SUCCEEDED, null);
                drainQueue();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void expiredLeaseIsRequeuedAndTheStaleWorkerIsFencedOff() {
        long runId = api.run(experimentId, "icnet");
        JobClaim first = queue.claim("slow-worker", WorkerCapabilities.ANY).orElseThrow();
        assertThat(first.attempt()).isEqualTo(1);

        expireLease(first.jobId());
        assertThat(queue.sweepExpiredLeases()).isEqualTo(1);
        assertThat(status(runId)).isEqualTo(JobStatus.QUEUED);

        JobClaim second = queue.claim("fresh-worker", WorkerCapabilities.ANY).orElseThrow();
        assertThat(second.runId()).isEqualTo(runId);
        assertThat(second.attempt()).isEqualTo(2);
        assertThat(second.leaseToken()).isNotEqualTo(first.leaseToken());

        // The first worker wakes up: every write it tries is refused and changes nothing.
        assertThatThrownBy(() -> queue.heartbeat(first.jobId(), first.leaseToken(), null))
                .isInstanceOf(StaleLeaseException.class);
        assertThatThrownBy(() -> queue.complete(first.jobId(), first.leaseToken(), JobStatus.FAILED, "late"))
                .isInstanceOf(StaleLeaseException.class);
        var staleMetric = api.post("/api/runs/" + runId + "/metrics",
                "{\"metrics\":[{\"key\":\"loss\",\"value\":1.0,\"step\":1}]}",
                java.util.Map.of("X-Lease-Token", first.leaseToken().toString()));
        assertThat(staleMetric.status()).isEqualTo(409);
        assertThat(staleMetric.json().get("type").asString()).endsWith("stale-lease");
        assertThat(status(runId)).isEqualTo(JobStatus.RUNNING);

        queue.complete(second.jobId(), second.leaseToken(), JobStatus.SUCCEEDED, null);
        assertThat(status(runId)).isEqualTo(JobStatus.SUCCEEDED);
        assertThat(jdbc.sql("select count(*) from metric where run_id = :id").param("id", runId)
                .query(Long.class).single()).isZero();
    }

    @Test
    void attemptsAreCappedThenTheJobFails() {
        long runId = api.run(experimentId, "unet");
        for (int attempt = 1; attempt <= 3; attempt++) {
            JobClaim claim = queue.claim("crashy", WorkerCapabilities.ANY).orElseThrow();
            assertThat(claim.attempt()).isEqualTo(attempt);
            expireLease(claim.jobId());
            queue.sweepExpiredLeases();
        }
        assertThat(status(runId)).isEqualTo(JobStatus.FAILED);
        assertThat(queue.claim("crashy", WorkerCapabilities.ANY)).isEmpty();
        var run = api.get("/api/runs/" + runId).json();
        assertThat(run.get("message").asString()).contains("attempt 3 of 3");
        assertThat(run.get("attempt").asInt()).isEqualTo(3);
    }

    @Test
    void heartbeatExtendsTheLeaseRecordsProgressAndCarriesCancel() {
        long runId = api.run(experimentId, "unet");
        JobClaim claim = queue.claim("w", WorkerCapabilities.ANY).orElseThrow();

        var beat = queue.heartbeat(claim.jobId(), claim.leaseToken(), new Progress(1, 4, 10L, 25L, 12.5, 90.0));
        assertThat(beat.action()).isEqualTo(JobAction.CONTINUE);
        assertThat(beat.leaseExpiresAt()).isAfterOrEqualTo(claim.leaseExpiresAt());
        var progress = api.get("/api/runs/" + runId).json().get("progress");
        assertThat(progress.get("epoch").asInt()).isEqualTo(1);
        assertThat(progress.get("imagesPerSecond").asDouble()).isEqualTo(12.5);

        assertThat(api.post("/api/runs/" + runId + "/cancel", "").status()).isEqualTo(200);
        assertThat(queue.heartbeat(claim.jobId(), claim.leaseToken(), null).action()).isEqualTo(JobAction.CANCEL);
        queue.complete(claim.jobId(), claim.leaseToken(), JobStatus.CANCELLED, "stopped at step 10");
        assertThat(status(runId)).isEqualTo(JobStatus.CANCELLED);
    }

    @Test
    void aReleasedJobIsQueuedAgainAtOnceForTheNextWorkerToResume() {
        long runId = api.run(experimentId, "unet");
        JobClaim first = queue.claim("leaving", WorkerCapabilities.ANY).orElseThrow();
        assertThat(first.claim()).isEqualTo(1);
        queue.release(first.jobId(), first.leaseToken(), "worker shutting down after epoch 2");
        assertThat(status(runId)).isEqualTo(JobStatus.QUEUED);
        assertThatThrownBy(() -> queue.release(first.jobId(), first.leaseToken(), "twice"))
                .isInstanceOf(StaleLeaseException.class);

        JobClaim second = queue.claim("next", WorkerCapabilities.ANY).orElseThrow();
        assertThat(second.runId()).isEqualTo(runId);
        assertThat(second.claim()).as("the claim count tells the worker to resume").isEqualTo(2);
        assertThat(second.attempt()).as("a hand-back is not a failure").isEqualTo(1);
    }

    /** A rolling update of more trainers than there are attempts must not fail a healthy job. */
    @Test
    @Tag("reliability")
    void handBacksLeaveTheAttemptBudgetUnchanged() {
        long runId = api.run(experimentId, "unet");
        int releases = 5; // more than experiment.max-attempts (3)
        for (int i = 1; i <= releases; i++) {
            JobClaim claim = queue.claim("rolling-" + i, WorkerCapabilities.ANY).orElseThrow();
            assertThat(claim.runId()).isEqualTo(runId);
            assertThat(claim.attempt()).isEqualTo(1);
            assertThat(claim.claim()).isEqualTo(i);
            assertThat(api.post("/api/jobs/" + claim.jobId() + "/release",
                    "{\"leaseToken\":\"" + claim.leaseToken() + "\",\"message\":\"SIGTERM\"}").status())
                    .isEqualTo(204);
            assertThat(status(runId)).isEqualTo(JobStatus.QUEUED);
        }
        var run = api.get("/api/runs/" + runId).json();
        assertThat(run.get("attempt").asInt()).isEqualTo(1);
        assertThat(run.get("claims").asInt()).isEqualTo(releases);

        // The budget is still whole: it takes max-attempts silent workers to fail the job.
        for (int attempt = 1; attempt <= 3; attempt++) {
            JobClaim claim = queue.claim("crashy", WorkerCapabilities.ANY).orElseThrow();
            assertThat(claim.attempt()).isEqualTo(attempt);
            expireLease(claim.jobId());
            queue.sweepExpiredLeases();
        }
        assertThat(status(runId)).isEqualTo(JobStatus.FAILED);
        assertThat(api.get("/api/runs/" + runId).json().get("claims").asInt()).isEqualTo(releases + 3);
    }

    @Test
    @Tag("reliability")
    void aJobClaimedAgainShowsNoneOfThePreviousWorkersProgress() {
        long runId = api.run(experimentId, "unet");
        JobClaim first = queue.claim("dying", WorkerCapabilities.ANY).orElseThrow();
        queue.heartbeat(first.jobId(), first.leaseToken(), new Progress(3, 10, 40L, 50L, 20.0, 300.0));
        assertThat(api.get("/api/runs/" + runId).json().get("progress").get("epoch").asInt()).isEqualTo(3);

        expireLease(first.jobId());
        queue.sweepExpiredLeases();
        JobClaim second = queue.claim("rescuer", WorkerCapabilities.ANY).orElseThrow();
        var run = api.get("/api/runs/" + runId).json();
        assertThat(run.get("workerId").asString()).isEqualTo("rescuer");
        assertThat(run.path("progress").isNull() || run.path("progress").isMissingNode()).as(run.toString()).isTrue();

        queue.heartbeat(second.jobId(), second.leaseToken(), new Progress(1, 10, 5L, 50L, 18.0, null));
        var progress = api.get("/api/runs/" + runId).json().get("progress");
        assertThat(progress.get("epoch").asInt()).isEqualTo(1);
        assertThat(progress.path("etaSeconds").isNull() || progress.path("etaSeconds").isMissingNode())
                .as("not the old worker's estimate").isTrue();
    }

    @Test
    void cancellingAQueuedRunEndsItAtOnce() {
        long runId = api.run(experimentId, "unet");
        assertThat(api.post("/api/runs/" + runId + "/cancel", "").json().get("status").asString())
                .isEqualTo("CANCELLED");
        assertThat(queue.claim("w", WorkerCapabilities.ANY)).isEmpty();
        assertThat(api.post("/api/runs/" + runId + "/cancel", "").status()).isEqualTo(409);
    }

    @Test
    void aPruneRequestReachesARunningJobOnItsNextHeartbeatAndNothingElse() {
        long queuedRun = api.run(experimentId, "unet");
        long runId = api.run(experimentId, "unet");
        JobClaim claim = queue.claim("w", WorkerCapabilities.ANY).orElseThrow();
        assertThat(claim.runId()).isEqualTo(queuedRun);
        assertThat(queue.requestPrune(runId)).as("still queued").isFalse();
        assertThat(queue.requestPrune(queuedRun)).isTrue();
        assertThat(queue.heartbeat(claim.jobId(), claim.leaseToken(), null).action()).isEqualTo(JobAction.PRUNE);
        queue.complete(claim.jobId(), claim.leaseToken(), JobStatus.PRUNED, "pruned by the tuning study");
        assertThat(status(queuedRun)).isEqualTo(JobStatus.PRUNED);
        assertThat(queue.requestPrune(queuedRun)).as("already ended").isFalse();
    }

    @Test
    void aPrunedJobWhoseWorkerVanishesOrGivesItBackEndsPrunedInsteadOfRequeued() {
        long swept = api.run(experimentId, "unet");
        long released = api.run(experimentId, "unet");
        JobClaim first = queue.claim("silent", WorkerCapabilities.ANY).orElseThrow();
        JobClaim second = queue.claim("leaving", WorkerCapabilities.ANY).orElseThrow();
        assertThat(queue.requestPrune(swept)).isTrue();
        assertThat(queue.requestPrune(released)).isTrue();
        expireLease(first.jobId());
        assertThat(queue.sweepExpiredLeases()).isEqualTo(1);
        queue.release(second.jobId(), second.leaseToken(), "shutting down");
        assertThat(status(swept)).isEqualTo(JobStatus.PRUNED);
        assertThat(status(released)).isEqualTo(JobStatus.PRUNED);
        assertThat(queue.claim("w", WorkerCapabilities.ANY)).isEmpty();
    }

    @Test
    void theAttemptHistoryRecordsEachClaimAndHowItEnded() {
        long runId = api.run(experimentId, "unet");
        assertThat(attempts(runId)).as("queued, never claimed").isEmpty();

        JobClaim claim = queue.claim("worker-a", WorkerCapabilities.ANY).orElseThrow();
        JsonNode open = attempts(runId);
        assertThat(open).hasSize(1);
        assertAttempt(open.get(0), 1, "worker-a", "RUNNING", null);
        assertThat(open.get(0).get("endedAt").isNull()).isTrue();

        queue.complete(claim.jobId(), claim.leaseToken(), JobStatus.SUCCEEDED, null);
        JsonNode done = attempts(runId);
        assertThat(done).hasSize(1);
        assertAttempt(done.get(0), 1, "worker-a", "SUCCEEDED", null);
        assertThat(Instant.parse(done.get(0).get("endedAt").asString()))
                .isAfterOrEqualTo(Instant.parse(done.get(0).get("claimedAt").asString()));

        long failing = api.run(experimentId, "unet");
        JobClaim failed = queue.claim("worker-b", WorkerCapabilities.ANY).orElseThrow();
        queue.complete(failed.jobId(), failed.leaseToken(), JobStatus.FAILED, "out of memory");
        assertAttempt(attempts(failing).get(0), 1, "worker-b", "FAILED", "out of memory");
    }

    @Test
    void aReleaseEndsTheAttemptReleasedAndTheNextClaimOpensAnother() {
        long runId = api.run(experimentId, "unet");
        JobClaim first = queue.claim("leaving", WorkerCapabilities.ANY).orElseThrow();
        queue.release(first.jobId(), first.leaseToken(), "worker shutting down after epoch 2");
        JsonNode released = attempts(runId);
        assertThat(released).hasSize(1);
        assertAttempt(released.get(0), 1, "leaving", "RELEASED", "worker shutting down after epoch 2");
        assertThat(released.get(0).get("endedAt").isNull()).isFalse();

        JobClaim second = queue.claim("next", WorkerCapabilities.ANY).orElseThrow();
        JsonNode both = attempts(runId);
        assertThat(both).hasSize(2);
        assertAttempt(both.get(0), 1, "leaving", "RELEASED", "worker shutting down after epoch 2");
        assertAttempt(both.get(1), 2, "next", "RUNNING", null);
        assertThat(both.get(1).get("claim").asInt()).isEqualTo(second.claim());
        assertThat(api.get("/api/runs/" + runId).json().get("claims").asInt()).isEqualTo(both.size());
    }

    @Test
    void anExpiredLeaseEndsTheAttemptAndTheLastOneFailsWithTheJob() {
        long runId = api.run(experimentId, "unet");
        for (int claim = 1; claim <= 3; claim++) {
            JobClaim held = queue.claim("crashy-" + claim, WorkerCapabilities.ANY).orElseThrow();
            expireLease(held.jobId());
            assertThat(queue.sweepExpiredLeases()).isEqualTo(1);
        }
        JsonNode history = attempts(runId);
        assertThat(history).hasSize(3);
        assertAttempt(history.get(0), 1, "crashy-1", "LEASE_EXPIRED", "lease expired; the worker stopped answering");
        assertAttempt(history.get(1), 2, "crashy-2", "LEASE_EXPIRED", "lease expired; the worker stopped answering");
        assertThat(history.get(2).get("outcome").asString()).isEqualTo("FAILED");
        assertThat(history.get(2).get("message").asString()).contains("attempt 3 of 3");
        assertThat(status(runId)).isEqualTo(JobStatus.FAILED);
    }

    @Test
    void aCancelledRunsLastAttemptEndsCancelledHoweverTheWorkerStops() {
        long completed = api.run(experimentId, "unet");
        long released = api.run(experimentId, "unet");
        long swept = api.run(experimentId, "unet");
        JobClaim a = queue.claim("a", WorkerCapabilities.ANY).orElseThrow();
        JobClaim b = queue.claim("b", WorkerCapabilities.ANY).orElseThrow();
        JobClaim c = queue.claim("c", WorkerCapabilities.ANY).orElseThrow();
        for (long runId : new long[] {completed, released, swept}) {
            assertThat(api.post("/api/runs/" + runId + "/cancel", "").status()).isEqualTo(200);
            assertAttempt(attempts(runId).get(0), 1, null, "RUNNING", null);
        }
        queue.complete(a.jobId(), a.leaseToken(), JobStatus.CANCELLED, "stopped at step 10");
        queue.release(b.jobId(), b.leaseToken(), "shutting down");
        expireLease(c.jobId());
        assertThat(queue.sweepExpiredLeases()).isEqualTo(1);

        assertAttempt(attempts(completed).get(0), 1, "a", "CANCELLED", "stopped at step 10");
        assertAttempt(attempts(released).get(0), 1, "b", "CANCELLED", "shutting down");
        assertAttempt(attempts(swept).get(0), 1, "c", "CANCELLED", "cancelled; the worker stopped answering");

        // A queued run cancelled after a hand-back had no worker: its history keeps the released claim only.
        long queued = api.run(experimentId, "unet");
        JobClaim d = queue.claim("d", WorkerCapabilities.ANY).orElseThrow();
        queue.release(d.jobId(), d.leaseToken(), "SIGTERM");
        assertThat(api.post("/api/runs/" + queued + "/cancel", "").json().get("status").asString()).isEqualTo("CANCELLED");
        JsonNode history = attempts(queued);
        assertThat(history).hasSize(1);
        assertAttempt(history.get(0), 1, "d", "RELEASED", "SIGTERM");
    }

    @Test
    void theAttemptsOfAnUnknownRunAreA404Problem() {
        Api.Reply reply = api.get("/api/runs/987654321/attempts");
        assertThat(reply.status()).isEqualTo(404);
        assertThat(reply.header("Content-Type")).startsWith("application/problem+json");
    }

    private JsonNode attempts(long runId) {
        Api.Reply reply = api.get("/api/runs/" + runId + "/attempts");
        assertThat(reply.status()).as(reply.text()).isEqualTo(200);
        assertThat(reply.json().isArray()).isTrue();
        return reply.json();
    }

    /** One attempt's fields; a null worker is not checked. */
    private static void assertAttempt(JsonNode attempt, int claim, String worker, String outcome, String message) {
        assertThat(attempt.get("claim").asInt()).as(attempt.toString()).isEqualTo(claim);
        if (worker != null) {
            assertThat(attempt.get("workerId").asString()).as(attempt.toString()).isEqualTo(worker);
        }
        assertThat(attempt.get("claimedAt").isNull()).isFalse();
        assertThat(attempt.get("outcome").asString()).as(attempt.toString()).isEqualTo(outcome);
        if (message == null) {
            assertThat(attempt.get("message").isNull()).as(attempt.toString()).isTrue();
        } else {
            assertThat(attempt.get("message").asString()).as(attempt.toString()).isEqualTo(message);
        }
        assertThat(attempt.get("endedAt").isNull()).as(attempt.toString()).isEqualTo(outcome.equals("RUNNING"));
    }

    private void expireLease(long jobId) {
        jdbc.sql("update job set lease_expires_at = now() - interval '1 second' where id = :id")
                .param("id", jobId).update();
    }

    private JobStatus status(long runId) {
        return JobStatus.valueOf(jdbc.sql("select status from job where run_id = :id").param("id", runId)
                .query(String.class).single());
    }
}
