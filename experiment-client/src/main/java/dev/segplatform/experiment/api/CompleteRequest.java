package dev.segplatform.experiment.api;

import jakarta.validation.constraints.AssertTrue;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Size;
import java.util.UUID;

/** A worker finishing its job. {@code outcome} is a final state; {@code message} is why it failed or stopped. */
public record CompleteRequest(@NotNull UUID leaseToken, @NotNull JobStatus outcome, @Size(max = 10_000) String message) {

    @AssertTrue(message = "must be SUCCEEDED, FAILED, CANCELLED or PRUNED")
    boolean isOutcomeFinal() {
        return outcome == null || outcome.isFinal();
    }
}
