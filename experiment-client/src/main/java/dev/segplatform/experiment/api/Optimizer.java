package dev.segplatform.experiment.api;

import com.fasterxml.jackson.annotation.JsonProperty;

/** Optimizers a run can use. AdamW decouples weight decay from the gradient step. */
public enum Optimizer {
    @JsonProperty("adam") ADAM,
    @JsonProperty("adamw") ADAMW;

    public String wireName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
