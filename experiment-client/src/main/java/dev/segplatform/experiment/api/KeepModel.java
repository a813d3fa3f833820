package dev.segplatform.experiment.api;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * Which epoch's model a run's bundle holds: {@code best}, the epoch of highest {@code val_mean_iou}
 * (the default), or {@code last}. Checkpoints for resuming always hold the last epoch.
 */
public enum KeepModel {
    @JsonProperty("best") BEST,
    @JsonProperty("last") LAST
}
