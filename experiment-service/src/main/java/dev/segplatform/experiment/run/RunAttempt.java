package dev.segplatform.experiment.run;

import java.time.Instant;

/**
 * One claim of a run's job by a worker, as {@code GET /api/runs/{id}/attempts} shows it.
 *
 * @param claim   1..n: the run's {@code claims} count when this worker took the job
 * @param endedAt null while the worker still holds the job
 * @param outcome {@code RUNNING} while held; then what became of the job ({@code SUCCEEDED}, {@code FAILED},
 *                {@code CANCELLED}, {@code PRUNED}), or why it went back to the queue: {@code RELEASED} (the
 *                worker handed it back, e.g. on shutdown) or {@code LEASE_EXPIRED} (the worker stopped
 *                answering and the sweeper took it back)
 * @param message the worker's or the sweeper's reason, when there is one
 */
public record RunAttempt(int claim, String workerId, Instant claimedAt, Instant endedAt, Outcome outcome,
                         String message) {

    /** How a claim ended, or {@code RUNNING} while it lasts. */
    public enum Outcome { RUNNING, SUCCEEDED, FAILED, CANCELLED, PRUNED, RELEASED, LEASE_EXPIRED }
}
