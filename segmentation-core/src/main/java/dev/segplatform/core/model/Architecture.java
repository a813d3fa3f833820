package dev.segplatform.core.model;

import com.fasterxml.jackson.annotation.JsonProperty;

/** The segmentation networks the platform can build; JSON names are lowercase. */
public enum Architecture {
    @JsonProperty("unet")
    UNET(16),
    @JsonProperty("pspnet")
    PSPNET(16),
    @JsonProperty("icnet")
    ICNET(16);

    private final int defaultWidth;

    Architecture(int defaultWidth) {
        this.defaultWidth = defaultWidth;
    }

    /** Base filter count used when a spec leaves the width at 0; sized for 128x128 on a CPU. */
    public int defaultWidth() {
        return defaultWidth;
    }

    /** The JSON / wire name, e.g. {@code unet}. */
    public String jsonName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
