package dev.segplatform.experiment.api;

import jakarta.validation.constraints.PositiveOrZero;

/** Where a training job is, as reported with each heartbeat. Every field is optional. */
public record Progress(
        @PositiveOrZero Integer epoch,
        @PositiveOrZero Integer epochs,
        @PositiveOrZero Long step,
        @PositiveOrZero Long stepsPerEpoch,
        @PositiveOrZero Double imagesPerSecond,
        @PositiveOrZero Double etaSeconds) {
}
