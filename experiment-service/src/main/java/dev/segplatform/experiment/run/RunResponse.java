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
 * @param jobId           null, like {@code spec}, for a run an MLflow client created and logs to itself
 * @param deletedAt       when the run was deleted (MLflow's lifecycle stage); deleted runs are left out of
 *                        search unless asked for
 */
public record RunResponse(long id, long experimentId, Long jobId, String name, JobStatus status, RunSpec spec,
                          Map<String, String> params, Map<String, String> tags, Map<String, LatestMetric> metrics,
                          RunProgress progress, int attempt, int claims, String workerId, boolean cancelRequested,
                          String message, Instant createdAt, Instant startedAt, Instant endedAt, Instant deletedAt) {

    /** Whether a trainer runs this run (it has a job and a spec), rather than an MLflow client logging to it. */
    public boolean hasJob() {
        return jobId != null;
    }

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
