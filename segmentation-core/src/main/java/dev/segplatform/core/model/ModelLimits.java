package dev.segplatform.core.model;

/**
 * The one statement of what a network spec may ask for: {@link ModelSpec} enforces these, and the
 * run API ({@code RunSpec} in experiment-client) names the same constants in its validation
 * annotations, so a run the API accepts is a network the core builds.
 *
 * <p>Only compile-time constants belong here, and nothing that needs another class: the compiler
 * copies their values into the API's annotations, so the API module sees this class when it is
 * compiled but carries neither it nor DL4J at run time.
 */
public final class ModelLimits {

    /** Every input side is a multiple of this: ICNet's coarsest branch works at 1/32. */
    public static final int INPUT_SIZE_STEP = 32;
    public static final int MIN_INPUT_SIZE = 32;
    public static final int MAX_INPUT_SIZE = 1024;

    /** Base filter count; 1 builds (a tiny network), above this the memory is out of reach on a CPU. */
    public static final int MIN_WIDTH = 1;
    public static final int MAX_WIDTH = 512;

    public static final int MIN_NUM_CLASSES = 2;

    /** The learning rate is positive and at most this. */
    public static final String MAX_LEARNING_RATE = "10.0";
    /** The weight decay is at least 0 and at most this. */
    public static final String MAX_WEIGHT_DECAY = "1.0";

    /** ICNet's three loss weights: each positive (a 0 would leave a branch untrained) and at most this. */
    public static final int ICNET_LOSS_WEIGHTS = 3;
    public static final String MAX_ICNET_LOSS_WEIGHT = "100.0";

    /** Each explicit class weight of the cross-entropy is positive and at most this. */
    public static final String MAX_CLASS_WEIGHT = "100.0";

    /**
     * A pretrained encoder's weights: this word for the zoo's ImageNet file (found in a local file
     * or downloaded by DL4J), or a path to a weights file of the zoo's format on the trainer's disk.
     */
    public static final String ENCODER_WEIGHTS_IMAGENET = "imagenet";
    /** The longest {@code encoderWeights} path. */
    public static final int MAX_ENCODER_WEIGHTS_LENGTH = 1024;

    private ModelLimits() {
    }
}
