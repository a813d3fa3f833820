package dev.segplatform.experiment.api;

import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Size;
import java.util.UUID;

/**
 * A worker asking for the oldest queued job it can run.
 *
 * @param requestId optional; sent again with a claim retried after its answer was lost, it gets the
 *                  job that the first request leased (while that lease is current) instead of a second one
 */
public record ClaimRequest(@NotBlank @Size(max = 256) String workerId, @Valid WorkerCapabilities capabilities,
        UUID requestId) {

    /** A claim that is not retried as the same request. */
    public ClaimRequest(String workerId, WorkerCapabilities capabilities) {
        this(workerId, capabilities, null);
    }
}
