package dev.segplatform.core.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * What to build and how to optimise it: the part of a training run that decides the network.
 *
 * <p>Absent values (0 or null, as Jackson leaves them for missing JSON fields) take defaults:
 * input 128, 3 classes, the architecture's default width, Adam, learning rate 1e-3, no weight
 * decay, ICNet loss weights (0.4, 0.4, 1.0), cross-entropy without class weights, no pretrained
 * encoder (with one, {@code imagenet} weights). Everything else is validated here against {@link
 * ModelLimits}, so a bad spec fails when it is created, not halfway through building a graph.
 *
 * @param architecture which network
 * @param inputSize square input side in pixels; a multiple of 32 (ICNet's coarsest branch works
 *     at 1/32, PSPNet's backbone at 1/8 and U-Net halves up to four times)
 * @param numClasses number of segmentation classes (the Pet trimaps give 3)
 * @param width base filter count; 0 means {@link Architecture#defaultWidth()}
 * @param seed seed for weight initialisation and, in the trainer, the shuffling order (42 when
 *     absent from JSON)
 * @param optimizer {@link Optimizer#ADAM} or {@link Optimizer#ADAMW}
 * @param learningRate the optimizer's learning rate
 * @param weightDecay L2 (Adam) or decoupled (AdamW) weight decay coefficient, 0 for none
 * @param icnetLossWeights ICNet's cascade label guidance weights for the outputs at 1/16, 1/8
 *     and 1/4 resolution, in that order; ignored by the other architectures
 * @param loss the loss of every output ({@link Loss}); cross-entropy when absent
 * @param classWeights the cross-entropy's weight of each class by class index, or null for none;
 *     concrete numbers (the trainer works out median-frequency weights from its training masks
 *     before it builds the spec), so a bundle's spec says exactly what the model was trained with
 * @param encoder the U-Net's encoder ({@link Encoder}); {@link Encoder#NONE} when absent, and the
 *     only value the other architectures take
 * @param encoderWeights where a pretrained encoder's weights come from: {@code imagenet} (the
 *     default with an encoder; see {@code Vgg16Weights} for where that file is looked for) or a
 *     path to a file of the zoo's format; null without an encoder
 * @param freezeEncoder whether the pretrained encoder's weights stay as loaded (true) or are
 *     fine-tuned with the rest (false); false without an encoder
 */
public record ModelSpec(
        Architecture architecture,
        int inputSize,
        int numClasses,
        int width,
        long seed,
        Optimizer optimizer,
        double learningRate,
        double weightDecay,
        List<Double> icnetLossWeights,
        Loss loss,
        List<Double> classWeights,
        Encoder encoder,
        String encoderWeights,
        boolean freezeEncoder) {

    public static final int DEFAULT_INPUT_SIZE = 128;
    public static final int DEFAULT_NUM_CLASSES = 3;
    public static final double DEFAULT_LEARNING_RATE = 1e-3;
    public static final List<Double> DEFAULT_ICNET_LOSS_WEIGHTS = List.of(0.4, 0.4, 1.0);

    private static final double MAX_LEARNING_RATE = Double.parseDouble(ModelLimits.MAX_LEARNING_RATE);
    private static final double MAX_WEIGHT_DECAY = Double.parseDouble(ModelLimits.MAX_WEIGHT_DECAY);
    private static final double MAX_ICNET_LOSS_WEIGHT = Double.parseDouble(ModelLimits.MAX_ICNET_LOSS_WEIGHT);
    private static final double MAX_CLASS_WEIGHT = Double.parseDouble(ModelLimits.MAX_CLASS_WEIGHT);

    public ModelSpec {
        if (architecture == null) {
            throw new IllegalArgumentException("architecture is required (unet, pspnet or icnet)");
        }
        if (inputSize == 0) {
            inputSize = DEFAULT_INPUT_SIZE;
        }
        if (inputSize < ModelLimits.MIN_INPUT_SIZE || inputSize > ModelLimits.MAX_INPUT_SIZE
                || inputSize % ModelLimits.INPUT_SIZE_STEP != 0) {
            throw new IllegalArgumentException("inputSize must be a multiple of " + ModelLimits.INPUT_SIZE_STEP
                    + " between " + ModelLimits.MIN_INPUT_SIZE + " and " + ModelLimits.MAX_INPUT_SIZE + ", got " + inputSize);
        }
        if (numClasses == 0) {
            numClasses = DEFAULT_NUM_CLASSES;
        }
        if (numClasses < ModelLimits.MIN_NUM_CLASSES) {
            throw new IllegalArgumentException("numClasses must be at least " + ModelLimits.MIN_NUM_CLASSES + ", got "
                    + numClasses);
        }
        if (width == 0) {
            width = architecture.defaultWidth();
        }
        if (width < ModelLimits.MIN_WIDTH || width > ModelLimits.MAX_WIDTH) {
            throw new IllegalArgumentException("width must be between " + ModelLimits.MIN_WIDTH + " and "
                    + ModelLimits.MAX_WIDTH + " (0 = default), got " + width);
        }
        if (optimizer == null) {
            optimizer = Optimizer.ADAM;
        }
        if (learningRate == 0) {
            learningRate = DEFAULT_LEARNING_RATE;
        }
        if (!(learningRate > 0) || learningRate > MAX_LEARNING_RATE) {
            throw new IllegalArgumentException("learningRate must be positive and at most " + MAX_LEARNING_RATE
                    + ", got " + learningRate);
        }
        if (!(weightDecay >= 0) || weightDecay > MAX_WEIGHT_DECAY) {
            throw new IllegalArgumentException("weightDecay must be between 0 and " + MAX_WEIGHT_DECAY + ", got "
                    + weightDecay);
        }
        if (icnetLossWeights == null) {
            icnetLossWeights = DEFAULT_ICNET_LOSS_WEIGHTS;
        }
        if (icnetLossWeights.size() != ModelLimits.ICNET_LOSS_WEIGHTS) {
            throw new IllegalArgumentException(
                    "icnetLossWeights must have 3 values (1/16, 1/8, 1/4), got " + icnetLossWeights);
        }
        for (Double w : icnetLossWeights) {
            if (w == null || !(w > 0) || w > MAX_ICNET_LOSS_WEIGHT) {
                throw new IllegalArgumentException("icnetLossWeights must be positive and at most "
                        + MAX_ICNET_LOSS_WEIGHT + ", got " + icnetLossWeights);
            }
        }
        icnetLossWeights = List.copyOf(icnetLossWeights);
        if (loss == null) {
            loss = Loss.CROSS_ENTROPY;
        }
        if (classWeights != null) {
            if (classWeights.size() != numClasses) {
                throw new IllegalArgumentException("classWeights must have one value per class (" + numClasses
                        + "), got " + classWeights);
            }
            for (Double w : classWeights) {
                if (w == null || !(w > 0) || w > MAX_CLASS_WEIGHT) {
                    throw new IllegalArgumentException("classWeights must be positive and at most " + MAX_CLASS_WEIGHT
                            + ", got " + classWeights);
                }
            }
            classWeights = List.copyOf(classWeights);
        }
        if (encoder == null) {
            encoder = Encoder.NONE;
        }
        if (encoder != Encoder.NONE && architecture != Architecture.UNET) {
            throw new IllegalArgumentException("encoder " + encoder.jsonName() + " is for unet only, not "
                    + architecture.jsonName());
        }
        if (encoder == Encoder.NONE) {
            if (encoderWeights != null) {
                throw new IllegalArgumentException("encoderWeights needs an encoder, got " + encoderWeights);
            }
            if (freezeEncoder) {
                throw new IllegalArgumentException("freezeEncoder needs an encoder");
            }
        } else {
            if (encoderWeights == null) {
                encoderWeights = ModelLimits.ENCODER_WEIGHTS_IMAGENET;
            }
            if (encoderWeights.isBlank() || encoderWeights.length() > ModelLimits.MAX_ENCODER_WEIGHTS_LENGTH) {
                throw new IllegalArgumentException("encoderWeights must be \"" + ModelLimits.ENCODER_WEIGHTS_IMAGENET
                        + "\" or a path of at most " + ModelLimits.MAX_ENCODER_WEIGHTS_LENGTH + " characters");
            }
        }
    }

    /**
     * The JSON view: every field but {@code architecture} may be absent or null and takes its
     * default, whatever the mapper's {@code FAIL_ON_NULL_FOR_PRIMITIVES} setting (on by default in
     * Jackson 3).
     */
    @JsonCreator
    static ModelSpec fromJson(
            @JsonProperty("architecture") Architecture architecture,
            @JsonProperty("inputSize") Integer inputSize,
            @JsonProperty("numClasses") Integer numClasses,
            @JsonProperty("width") Integer width,
            @JsonProperty("seed") Long seed,
            @JsonProperty("optimizer") Optimizer optimizer,
            @JsonProperty("learningRate") Double learningRate,
            @JsonProperty("weightDecay") Double weightDecay,
            @JsonProperty("icnetLossWeights") List<Double> icnetLossWeights,
            @JsonProperty("loss") Loss loss,
            @JsonProperty("classWeights") List<Double> classWeights,
            @JsonProperty("encoder") Encoder encoder,
            @JsonProperty("encoderWeights") String encoderWeights,
            @JsonProperty("freezeEncoder") Boolean freezeEncoder) {
        return new ModelSpec(architecture, orZero(inputSize), orZero(numClasses), orZero(width),
                seed == null ? 42 : seed, optimizer, learningRate == null ? 0 : learningRate,
                weightDecay == null ? 0 : weightDecay, icnetLossWeights, loss, classWeights, encoder, encoderWeights,
                freezeEncoder != null && freezeEncoder);
    }

    private static int orZero(Integer value) {
        return value == null ? 0 : value;
    }

    /** A spec with every default for the given architecture. */
    public static ModelSpec of(Architecture architecture) {
        return new ModelSpec(architecture, 0, 0, 0, 42, null, 0, 0, null, null, null, null, null, false);
    }

    /** A spec with defaults except the input size and class count. */
    public static ModelSpec of(Architecture architecture, int inputSize, int numClasses) {
        return new ModelSpec(architecture, inputSize, numClasses, 0, 42, null, 0, 0, null, null, null, null, null, false);
    }

    public ModelSpec withWidth(int newWidth) {
        return new ModelSpec(architecture, inputSize, numClasses, newWidth, seed, optimizer, learningRate,
                weightDecay, icnetLossWeights, loss, classWeights, encoder, encoderWeights, freezeEncoder);
    }

    public ModelSpec withSeed(long newSeed) {
        return new ModelSpec(architecture, inputSize, numClasses, width, newSeed, optimizer, learningRate,
                weightDecay, icnetLossWeights, loss, classWeights, encoder, encoderWeights, freezeEncoder);
    }

    public ModelSpec withOptimizer(Optimizer newOptimizer, double newLearningRate, double newWeightDecay) {
        return new ModelSpec(architecture, inputSize, numClasses, width, seed, newOptimizer, newLearningRate,
                newWeightDecay, icnetLossWeights, loss, classWeights, encoder, encoderWeights, freezeEncoder);
    }

    public ModelSpec withIcnetLossWeights(List<Double> weights) {
        return new ModelSpec(architecture, inputSize, numClasses, width, seed, optimizer, learningRate,
                weightDecay, weights, loss, classWeights, encoder, encoderWeights, freezeEncoder);
    }

    /** The same spec with another loss and class weights (null: none). */
    public ModelSpec withLoss(Loss newLoss, List<Double> newClassWeights) {
        return new ModelSpec(architecture, inputSize, numClasses, width, seed, optimizer, learningRate, weightDecay,
                icnetLossWeights, newLoss, newClassWeights, encoder, encoderWeights, freezeEncoder);
    }

    /** The same spec with a pretrained encoder (or {@link Encoder#NONE} and null weights for none). */
    public ModelSpec withEncoder(Encoder newEncoder, String newEncoderWeights, boolean newFreezeEncoder) {
        return new ModelSpec(architecture, inputSize, numClasses, width, seed, optimizer, learningRate, weightDecay,
                icnetLossWeights, loss, classWeights, newEncoder, newEncoderWeights, newFreezeEncoder);
    }
}
