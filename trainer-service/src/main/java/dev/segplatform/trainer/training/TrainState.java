package dev.segplatform.trainer.training;

import java.util.Map;

/**
 * Where a run's training stands, saved with every checkpoint so that the next attempt continues
 * exactly: which epochs are done, how many batches of the next one, the early-stopping counters,
 * and the metrics of the last finished epoch (in case the worker died between uploading the
 * checkpoint and logging them).
 *
 * @param epochsDone               fully trained epochs
 * @param batchesDone              batches already trained in epoch {@code epochsDone + 1}
 * @param bestValLoss              best validation loss so far (early stopping)
 * @param epochsWithoutImprovement epochs since {@code bestValLoss} last improved
 * @param lastEpochMetrics         the metrics logged for epoch {@code epochsDone}
 */
public record TrainState(int epochsDone, int batchesDone, double bestValLoss, int epochsWithoutImprovement,
                         Map<String, Double> lastEpochMetrics) {

    static TrainState fresh() {
        return new TrainState(0, 0, Double.POSITIVE_INFINITY, 0, Map.of());
    }
}
