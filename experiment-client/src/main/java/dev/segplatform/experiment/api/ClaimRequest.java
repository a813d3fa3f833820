package dev.segplatform.experiment.api;

import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Size;

/** A worker asking for the oldest queued job it can run. */
public record ClaimRequest(@NotBlank @Size(max = 256) String workerId, @Valid WorkerCapabilities capabilities) {
}
