package dev.segplatform.core.model;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * The optimizers a spec may ask for.
 *
 * <p>{@link #ADAM} with a weight decay adds it to the gradient before the update (L2, like
 * PyTorch's {@code Adam(weight_decay=...)}); {@link #ADAMW} decouples it and shrinks the weights
 * after the Adam step by {@code lr * weightDecay}, like PyTorch's {@code AdamW}.
 */
public enum Optimizer {
    @JsonProperty("adam")
    ADAM,
    @JsonProperty("adamw")
    ADAMW
}
