package dev.segplatform.core.model;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * The U-Net's encoder: {@link #NONE}, the network's own blocks trained from scratch, or
 * {@link #VGG16}, the convolution blocks of VGG16 (as DL4J's model zoo builds them) with weights
 * from a pretrained file, frozen or fine-tuned. JSON names are lowercase.
 */
public enum Encoder {
    @JsonProperty("none")
    NONE,
    @JsonProperty("vgg16")
    VGG16;

    /** The JSON / wire name, e.g. {@code vgg16}. */
    public String jsonName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
