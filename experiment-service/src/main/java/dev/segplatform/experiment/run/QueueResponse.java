package dev.segplatform.experiment.run;

import dev.segplatform.experiment.api.JobStatus;
import java.time.Instant;
import java.util.List;

/**
 * The live queue, as {@code GET /api/queue} shows it: running jobs first, then queued ones in the order
 * claims take them.
 *
 * @param queued  every queued job, not only those listed
 * @param running every running job, not only those listed
 */
public record QueueResponse(long queued, long running, List<Job> jobs) {

    /**
     * One queued or running job and its run.
     *
     * @param position        1-based place in claim order among queued jobs, for a worker that can run every
     *                        model; null while running
     * @param workerId        the worker holding the lease; null while queued
     * @param attempt         as on the run: counts expired leases, not hand-backs
     * @param claims          how often a worker took the job so far
     * @param progress        the holding worker's last reported progress; null while queued or before its first
     *                        heartbeat
     * @param startedAt       when a worker first took the job (kept across hand-backs)
     * @param leaseExpiresAt  when the holding worker's lease runs out unless it heartbeats; null while queued
     */
    public record Job(long jobId, long runId, String runName, long experimentId, String experimentName,
                      JobStatus status, Integer position, String workerId, int attempt, int claims,
                      RunResponse.RunProgress progress, Instant createdAt, Instant startedAt, Instant leaseExpiresAt,
                      boolean cancelRequested) {
    }
}
