package dev.segplatform.trainer.training;

import java.util.Map;

/**
 * Where a run's training stands, saved with every checkpoint so that the next attempt continues
 * exactly: which epochs are done, how many batches of the next one, the early-stopping counters,
 * the metrics of the last finished epoch (in case the worker died between uploading the
 * checkpoint and logging them), and the best epoch so far by {@code val_mean_iou} (the one a
 * {@code keep: best} run bundles).
 *
 * @param epochsDone               fully trained epochs
 * @param batchesDone              batches already trained in epoch {@code epochsDone + 1}
 * @param bestValLoss              best validation loss so far (early stopping)
 * @param epochsWithoutImprovement epochs since {@code bestValLoss} last improved
 * @param lastEpochMetrics         the metrics logged for epoch {@code epochsDone}
 * @param bestEpoch                the 1-based epoch of highest {@code val_mean_iou} so far, 0 for none
 *                                 (also in checkpoints written before it was recorded)
 * @param bestEpochMetrics         the metrics logged for {@code bestEpoch}
 */
public record TrainState(int epochsDone, int batchesDone, double bestValLoss, int epochsWithoutImprovement,
                         Map<String, Double> lastEpochMetrics, Integer bestEpoch,
                         Map<String, Double> bestEpochMetrics) {

    public TrainState {
        lastEpochMetrics = lastEpochMetrics == null ? Map.of() : lastEpochMetrics;
        bestEpoch = bestEpoch == null ? 0 : bestEpoch;
        bestEpochMetrics = bestEpochMetrics == null ? Map.of() : bestEpochMetrics;
    }

    static TrainState fresh() {
        return new TrainState(0, 0, Double.POSITIVE_INFINITY, 0, Map.of(), 0, Map.of());
    }

    /** The same state at another point of the same epochs (a mid-epoch stop). */
    TrainState at(int epochs, int batches) {
        return new TrainState(epochs, batches, bestValLoss, epochsWithoutImprovement, lastEpochMetrics, bestEpoch,
                bestEpochMetrics);
    }

    /** The best epoch's {@code val_mean_iou}, or NaN before any. */
    double bestObjective() {
        Double v = bestEpochMetrics.get(SpecTraining.OBJECTIVE);
        return v == null ? Double.NaN : v;
    }
}
