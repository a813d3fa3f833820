package dev.segplatform.experiment.api;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * The loss a run trains with. {@code cross-entropy}: per-pixel softmax cross-entropy (with the
 * spec's class weights, if any); {@code dice}: that cross-entropy plus a soft Dice loss, which
 * weighs every class by its overlap rather than its pixel count; {@code lovasz}: that cross-entropy
 * plus the Lovász-softmax loss, a convex surrogate of each image's per-class {@code 1 - IoU}.
 */
public enum LossFunction {
    @JsonProperty("cross-entropy") CROSS_ENTROPY,
    @JsonProperty("dice") DICE,
    @JsonProperty("lovasz") LOVASZ
}
