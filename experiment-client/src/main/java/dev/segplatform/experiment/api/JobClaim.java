package dev.segplatform.experiment.api;

import java.time.Instant;
import java.util.UUID;

/**
 * A job leased to one worker until {@code leaseExpiresAt}. Every later write for it carries
 * {@code leaseToken}; once the lease is gone the token is refused.
 *
 * @param attempt 1 for a first try; higher after an earlier worker's lease expired (it went silent).
 *                A graceful hand-back does not count: after {@code experiment.max-attempts} the job fails
 * @param claim   how many times the job was claimed, this claim included: 1 for a fresh start,
 *                higher when an earlier worker released it or went silent, which tells the worker to
 *                resume from the run's last checkpoint
 */
public record JobClaim(long jobId, long runId, long experimentId, int attempt, int claim, UUID leaseToken,
                       Instant leaseExpiresAt, RunSpec spec) {
}
