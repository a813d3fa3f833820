package dev.segplatform.core.model;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * The loss a network trains with, applied per output (ICNet's three outputs each get it, times
 * their cascade weight).
 *
 * <p>{@link #CROSS_ENTROPY}: the mean per-pixel softmax cross-entropy, optionally class-weighted.
 * {@link #DICE}: that cross-entropy plus a soft Dice loss ({@code 1 - mean over classes of the
 * soft Dice coefficient} over the minibatch's pixels). Dice is added to cross-entropy rather than
 * replacing it because Dice alone gives a near-flat gradient to a class while its predicted area is
 * tiny, which is exactly the trimap's thin border band at the start of training; the
 * cross-entropy term keeps every pixel's gradient alive while Dice weighs each class by its
 * overlap, not its pixel count. {@link #LOVASZ}: that cross-entropy plus the Lovász-softmax loss
 * (the convex surrogate of {@code 1 - IoU} per class, averaged over the classes present in each
 * image, then over the images), added for the same reason as Dice: alone it only moves the pixels
 * its sorted errors put at the front.
 */
public enum Loss {
    @JsonProperty("cross-entropy")
    CROSS_ENTROPY,
    @JsonProperty("dice")
    DICE,
    @JsonProperty("lovasz")
    LOVASZ
}
