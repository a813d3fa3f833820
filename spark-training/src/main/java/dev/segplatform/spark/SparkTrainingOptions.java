package dev.segplatform.spark;

import java.nio.file.Path;
import java.util.Objects;

/**
 * How DL4J's parameter averaging spreads one training over Spark's executors.
 *
 * @param workers how many copies of the network train at once (Spark tasks per averaging round);
 *     at most the cores the Spark master grants
 * @param averagingFrequency minibatches each worker fits between two averagings of parameters
 *     and updater state; 1 keeps the workers in step like synchronous data parallelism
 * @param exportDirectory where the training minibatches are written once, for executors to read in
 *     every epoch; must be visible to every executor (a local path on one machine, a shared file
 *     system mounted at the same path on every machine)
 */
public record SparkTrainingOptions(int workers, int averagingFrequency, Path exportDirectory) {

    public SparkTrainingOptions {
        if (workers < 1) {
            throw new IllegalArgumentException("workers must be at least 1, got " + workers);
        }
        if (averagingFrequency < 1) {
            throw new IllegalArgumentException("averagingFrequency must be at least 1, got " + averagingFrequency);
        }
        Objects.requireNonNull(exportDirectory, "exportDirectory");
    }
}
