package dev.segplatform.experiment.run;

import dev.segplatform.experiment.api.JobStatus;
import dev.segplatform.experiment.api.RunSpec;
import java.time.Instant;
import java.util.Map;

/**
 * A run as the API shows it.
 *
 * @param metrics         the latest value of each metric
 * @param attempt         1 on the first try; higher after a worker's lease expired (a graceful hand-back
 *                        by a stopping worker does not count); the job fails after the last attempt
 * @param claims          how often a worker took the job: 0 while never started, 1 for one
 *                        uninterrupted worker, more after hand-backs and expired leases
 * @param message         why the run failed or stopped, when it did
 * @param cancelRequested a cancel is waiting for the worker's next heartbeat
 */
public record RunResponse(long id, long experimentId, long jobId, String name, JobStatus status, RunSpec spec,
                          Map<String, String> params, Map<String, String> tags, Map<String, LatestMetric> metrics,
                          RunProgress progress, int attempt, int claims, String workerId, boolean cancelRequested,
                          String message, Instant createdAt, Instant startedAt, Instant endedAt) {

    /** The newest point of one metric. */
    public record LatestMetric(double value, long step, long timestamp) {
    }

    /**
     * Training progress from the worker's heartbeats.
     *
     * @param etaSeconds estimated seconds left, as the worker computes it
     */
    public record RunProgress(Integer epoch, Integer epochs, Long step, Long stepsPerEpoch, Double imagesPerSecond,
                              Double etaSeconds, Instant updatedAt) {
    }
}
