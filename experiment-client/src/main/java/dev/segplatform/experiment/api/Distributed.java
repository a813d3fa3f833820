package dev.segplatform.experiment.api;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;

/**
 * One run trained across Spark executors with DL4J's parameter averaging: each worker fits its own
 * copy of the network on its share of the minibatches, and the copies' parameters and updater state
 * are averaged every {@code averagingFrequency} minibatches. Where the executors run (one machine or a
 * cluster) is the trainer's setting, not the run's.
 *
 * <p>The limits live here rather than in core's {@code ModelLimits}: they say how a run is spread, not
 * what network it builds, and the core knows nothing of Spark. {@code workers} is capped like
 * {@code devices}; an averaging frequency above an epoch's minibatches per worker averages once per
 * epoch.
 *
 * @param workers            copies of the network trained at once (Spark tasks per averaging round)
 * @param averagingFrequency minibatches each worker fits between two averagings (default
 *                           {@value #DEFAULT_AVERAGING_FREQUENCY}): 1 keeps the workers in step, but
 *                           DL4J rebuilds every worker's network for each round, which costs more than
 *                           a small network's minibatch
 */
public record Distributed(
        @NotNull @Min(1) @Max(64) Integer workers,
        @Min(1) @Max(10_000) Integer averagingFrequency) {

    public static final int DEFAULT_AVERAGING_FREQUENCY = 4;

    /** The same with the averaging frequency filled in. */
    public Distributed withDefaults() {
        return new Distributed(workers, averagingFrequency == null ? DEFAULT_AVERAGING_FREQUENCY : averagingFrequency);
    }
}
