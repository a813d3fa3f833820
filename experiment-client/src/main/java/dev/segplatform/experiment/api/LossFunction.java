package dev.segplatform.experiment.api;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * The loss a run trains with. {@code cross-entropy}: per-pixel softmax cross-entropy (with the
 * spec's class weights, if any); {@code dice}: that cross-entropy plus a soft Dice loss, which
 * weighs every class by its overlap rather than its pixel count.
 */
public enum LossFunction {
    @JsonProperty("cross-entropy") CROSS_ENTROPY,
    @JsonProperty("dice") DICE
}
