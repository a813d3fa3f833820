package dev.segplatform.gateway.access;

import com.fasterxml.jackson.annotation.JsonProperty;

/** What a key may do. */
public enum Role {
    /** Everything. */
    @JsonProperty("admin") ADMIN,
    /** Experiments, runs, studies and models: read and write. */
    @JsonProperty("scientist") SCIENTIST,
    /** Experiments, runs, studies and models: read only. */
    @JsonProperty("viewer") VIEWER,
    /** Segmentation only: the app-facing role. */
    @JsonProperty("client") CLIENT;

    /** Accepts {@code admin}, {@code ADMIN}... as written in configuration and key files. */
    public static Role parse(String text) {
        return valueOf(text.trim().toUpperCase(java.util.Locale.ROOT));
    }
}
