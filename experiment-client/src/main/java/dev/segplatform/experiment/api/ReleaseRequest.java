package dev.segplatform.experiment.api;

import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Size;
import java.util.UUID;

/** A worker giving its job back unfinished (it is shutting down); the job is queued again at once. */
public record ReleaseRequest(@NotNull UUID leaseToken, @Size(max = 10_000) String message) {
}
