package dev.segplatform.core.train;

/**
 * Progress after one training minibatch.
 *
 * @param epoch 0-based epoch index
 * @param iteration 1-based minibatch index within the epoch
 * @param iterationsPerEpoch minibatches in an epoch
 * @param loss this minibatch's loss
 * @param elapsedSeconds time since this epoch started
 */
public record IterationProgress(int epoch, int iteration, int iterationsPerEpoch, double loss, double elapsedSeconds) {

    /** Fraction of the epoch done, in (0, 1]. */
    public double epochFraction() {
        return (double) iteration / iterationsPerEpoch;
    }
}
