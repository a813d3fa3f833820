package dev.segplatform.core.train;

import dev.segplatform.core.metrics.ConfusionMatrix;

/**
 * A model's loss and confusion matrix on a dataset, at full resolution.
 *
 * @param loss mean per-image loss, as the training loss is defined (without regularisation)
 * @param confusion pixel counts by true and predicted class
 */
public record Evaluation(double loss, ConfusionMatrix confusion) {
}
