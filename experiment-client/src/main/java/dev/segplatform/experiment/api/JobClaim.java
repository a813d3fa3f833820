package dev.segplatform.experiment.api;

import java.time.Instant;
import java.util.UUID;

/**
 * A job leased to one worker until {@code leaseExpiresAt}. Every later write for it carries
 * {@code leaseToken}; once the lease is gone the token is refused.
 *
 * @param attempt 1 for a first try; higher when an earlier worker's lease expired, which tells
 *                the worker to resume from the run's last checkpoint
 */
public record JobClaim(long jobId, long runId, long experimentId, int attempt, UUID leaseToken,
                       Instant leaseExpiresAt, RunSpec spec) {
}
