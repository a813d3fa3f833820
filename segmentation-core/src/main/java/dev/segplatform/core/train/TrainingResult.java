package dev.segplatform.core.train;

import java.util.List;

/**
 * What a call to {@link SegmentationTrainer#train} did.
 *
 * @param epochs the epochs completed in this call, in order
 * @param stopped true if {@link TrainingListener#stopRequested()} ended it early
 */
public record TrainingResult(List<EpochResult> epochs, boolean stopped) {

    public TrainingResult {
        epochs = List.copyOf(epochs);
    }

    /** The last completed epoch, or null if none completed. */
    public EpochResult last() {
        return epochs.isEmpty() ? null : epochs.get(epochs.size() - 1);
    }
}
