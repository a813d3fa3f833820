package dev.segplatform.experiment.api;

import java.time.Instant;

/** The answer to a heartbeat: the action and the new lease deadline. */
public record HeartbeatResponse(JobAction action, Instant leaseExpiresAt) {
}
