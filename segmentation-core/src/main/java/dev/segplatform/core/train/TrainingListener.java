package dev.segplatform.core.train;

/**
 * Hooks a caller (e.g. the trainer service) uses to watch and steer a training. All methods run on
 * the training thread, between minibatches, so they should be quick.
 */
public interface TrainingListener {

    /** After each minibatch. */
    default void onIteration(IterationProgress progress) {
    }

    /** After each epoch's evaluation. */
    default void onEpoch(EpochResult result) {
    }

    /**
     * Checked before every minibatch; returning true ends training there (cancellation, pruning or
     * early stopping). The epoch in progress is then not reported.
     */
    default boolean stopRequested() {
        return false;
    }

    /** A listener that does nothing. */
    TrainingListener NONE = new TrainingListener() {
    };
}
