package dev.segplatform.experiment.api;

import com.fasterxml.jackson.annotation.JsonProperty;

/** The networks a run can train. */
public enum ModelArchitecture {
    @JsonProperty("unet") UNET,
    @JsonProperty("pspnet") PSPNET,
    @JsonProperty("icnet") ICNET;

    /** The lowercase name used on the wire and in params. */
    public String wireName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
