package dev.segplatform.experiment.api;

import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import java.util.UUID;

/** Extends a lease; {@code progress} is optional. */
public record HeartbeatRequest(@NotNull UUID leaseToken, @Valid Progress progress) {
}
