package dev.segplatform.core.train;

import java.util.List;

/**
 * What a call to {@link SegmentationTrainer#train} did.
 *
 * @param epochs the epochs completed in this call, in order
 * @param stopped true if {@link TrainingListener#stopRequested()} ended it early
 * @param stoppedEpoch when stopped, the 0-based epoch that was in progress
 * @param stoppedBatch when stopped, how many of that epoch's minibatches were trained (counting any
 *     skipped by {@link TrainingOptions#startBatch()}), so a later call can resume exactly there
 */
public record TrainingResult(List<EpochResult> epochs, boolean stopped, int stoppedEpoch, int stoppedBatch) {

    public TrainingResult {
        epochs = List.copyOf(epochs);
    }

    /** The last completed epoch, or null if none completed. */
    public EpochResult last() {
        return epochs.isEmpty() ? null : epochs.get(epochs.size() - 1);
    }
}
