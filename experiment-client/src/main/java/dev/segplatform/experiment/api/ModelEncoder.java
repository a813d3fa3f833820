package dev.segplatform.experiment.api;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * The U-Net's encoder: {@code none}, its own blocks trained from scratch (the default), or
 * {@code vgg16}, VGG16's convolution blocks with pretrained weights ({@code encoderWeights}),
 * frozen or fine-tuned ({@code freezeEncoder}). PSPNet and ICNet take none.
 */
public enum ModelEncoder {
    @JsonProperty("none") NONE,
    @JsonProperty("vgg16") VGG16
}
