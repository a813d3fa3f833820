package dev.segplatform.core.train;

import java.util.List;

/**
 * The metrics of one finished epoch, named as the platform logs them ({@code loss},
 * {@code val_mean_iou}, ...).
 *
 * @param epoch 0-based epoch index
 * @param loss mean training loss over the epoch's minibatches (training-mode forward passes,
 *     regularisation included): per-pixel mean cross-entropy, weighted over ICNet's outputs
 * @param accuracy pixel accuracy on the training examples evaluated (see
 *     {@link TrainingOptions#trainEvalLimit()}), inference mode, at full resolution
 * @param meanIou mean IoU on the same examples
 * @param valLoss validation loss, same definition as {@code loss} without regularisation
 * @param valAccuracy validation pixel accuracy at full resolution
 * @param valMeanIou validation mean IoU
 * @param perClassIou validation IoU per class (NaN for a class neither true nor predicted)
 * @param epochSeconds wall time of the epoch, evaluation included
 * @param imagesPerSecond training images per second over the fitting part of the epoch
 */
public record EpochResult(
        int epoch,
        double loss,
        double accuracy,
        double meanIou,
        double valLoss,
        double valAccuracy,
        double valMeanIou,
        List<Double> perClassIou,
        double epochSeconds,
        double imagesPerSecond) {

    public EpochResult {
        perClassIou = List.copyOf(perClassIou);
    }
}
