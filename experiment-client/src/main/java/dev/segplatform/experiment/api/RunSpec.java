package dev.segplatform.experiment.api;

import dev.segplatform.core.model.ModelLimits;
import jakarta.validation.Valid;
import jakarta.validation.constraints.AssertTrue;
import jakarta.validation.constraints.DecimalMax;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Positive;
import jakarta.validation.constraints.PositiveOrZero;
import jakarta.validation.constraints.Size;
import java.util.List;

/**
 * What a run trains: the training spec, stored with the run and handed to the worker that claims it.
 * Fields left out take the defaults of {@link #withDefaults()}; the stored spec is always the
 * defaulted one, so a run's params say exactly what was trained. The network's limits are core's
 * {@link ModelLimits}, named here so that every spec this accepts builds (the values are copied in
 * at compile time; this module does not carry the core at run time).
 *
 * @param model                 the network
 * @param epochs                training epochs
 * @param batchSize             images per step (per device when {@code devices > 1})
 * @param learningRate          the optimizer's learning rate
 * @param imageSize             square input size in pixels; a multiple of 32 so every network's
 *                              strides divide it
 * @param optimizer             adam (default) or adamw
 * @param weightDecay           decoupled weight decay for adamw (default 0)
 * @param seed                  seeds weight init, shuffling and augmentation (default 42)
 * @param devices               devices for data-parallel training of this one run (default 1)
 * @param dataset               the data
 * @param icnetLossWeights      ICNet cascade label guidance weights at 1/16, 1/8, 1/4, each
 *                              positive (default 0.4, 0.4, 1.0); ignored by other models
 * @param width                 base filter count; absent means the architecture's default
 * @param augment               seeded horizontal flips per epoch (default false)
 * @param earlyStoppingPatience stop after this many epochs without a better val_loss; absent = off
 * @param loss                  {@code dice} (default: cross-entropy + soft Dice, measured the best of the
 *                              options on every network), {@code cross-entropy} or {@code lovasz}
 *                              (cross-entropy + Lovász-softmax)
 * @param classWeights          the cross-entropy's class weights: {@code none} (default),
 *                              {@code median-frequency} or one number per class
 * @param keep                  which epoch's model the bundle holds: {@code best} by {@code val_mean_iou}
 *                              (default) or {@code last}
 * @param encoder               the U-Net's encoder: {@code none} (default, trained from scratch) or
 *                              {@code vgg16} (pretrained); unet only
 * @param encoderWeights        with an encoder: {@code imagenet} (default; the zoo's file from the
 *                              trainer's DL4J cache folder, else downloaded there) or the path of a
 *                              weights file of the zoo's format relative to the trainer's
 *                              {@code trainer.weights-root}
 * @param freezeEncoder         with an encoder: keep its weights as loaded (default true, the
 *                              study's recipe) or fine-tune them (false)
 * @param distributed           train across Spark executors ({@link Distributed}); absent = on this
 *                              trainer alone, on {@code devices} devices. Not together with
 *                              {@code devices > 1}: the two are different ways to spread one run
 */
@EncoderFitsModel
public record RunSpec(
        @NotNull ModelArchitecture model,
        @NotNull @Min(1) @Max(10_000) Integer epochs,
        @NotNull @Min(1) @Max(1024) Integer batchSize,
        @NotNull @Positive @DecimalMax(ModelLimits.MAX_LEARNING_RATE) Double learningRate,
        @NotNull @Min(ModelLimits.MIN_INPUT_SIZE) @Max(ModelLimits.MAX_INPUT_SIZE)
        @MultipleOf(ModelLimits.INPUT_SIZE_STEP) Integer imageSize,
        Optimizer optimizer,
        @PositiveOrZero @DecimalMax(ModelLimits.MAX_WEIGHT_DECAY) Double weightDecay,
        Long seed,
        @Min(1) @Max(64) Integer devices,
        @NotNull @Valid DatasetSpec dataset,
        @Size(min = ModelLimits.ICNET_LOSS_WEIGHTS, max = ModelLimits.ICNET_LOSS_WEIGHTS)
        List<@NotNull @DecimalMin(value = "0.0", inclusive = false)
             @DecimalMax(ModelLimits.MAX_ICNET_LOSS_WEIGHT) Double> icnetLossWeights,
        @Min(ModelLimits.MIN_WIDTH) @Max(ModelLimits.MAX_WIDTH) Integer width,
        Boolean augment,
        @Min(1) @Max(10_000) Integer earlyStoppingPatience,
        LossFunction loss,
        @Valid ClassWeights classWeights,
        KeepModel keep,
        ModelEncoder encoder,
        @Size(max = ModelLimits.MAX_ENCODER_WEIGHTS_LENGTH)
        @Pattern(regexp = DatasetSpec.RELATIVE_PATH, message = "must be \"imagenet\" or a path relative to the"
                + " trainer's trainer.weights-root, without '..', backslashes or NUL bytes")
        String encoderWeights,
        Boolean freezeEncoder,
        @Valid Distributed distributed) {

    public static final List<Double> DEFAULT_ICNET_LOSS_WEIGHTS = List.of(0.4, 0.4, 1.0);

    /** The same spec with every optional field filled in. */
    public RunSpec withDefaults() {
        return new RunSpec(model, epochs, batchSize, learningRate, imageSize,
                optimizer == null ? Optimizer.ADAM : optimizer,
                weightDecay == null ? 0.0 : weightDecay,
                seed == null ? 42L : seed,
                devices == null ? 1 : devices,
                dataset,
                icnetLossWeights == null ? DEFAULT_ICNET_LOSS_WEIGHTS : List.copyOf(icnetLossWeights),
                width,
                augment != null && augment,
                earlyStoppingPatience,
                loss == null ? LossFunction.DICE : loss,
                classWeights == null ? ClassWeights.none() : classWeights,
                keep == null ? KeepModel.BEST : keep,
                encoder == null ? ModelEncoder.NONE : encoder,
                encoder == null || encoder == ModelEncoder.NONE || encoderWeights != null ? encoderWeights
                        : ModelLimits.ENCODER_WEIGHTS_IMAGENET,
                freezeEncoder != null ? freezeEncoder : encoder != null && encoder != ModelEncoder.NONE,
                distributed == null ? null : distributed.withDefaults());
    }

    /**
     * Reported as the field {@code distributed}: Spark's workers and ParallelWrapper's devices are two
     * ways to spread one run, and a trainer drives one or the other. Package-private, so JSON does not
     * see it as a property.
     */
    @AssertTrue(message = "cannot be combined with devices > 1: use workers for Spark, or devices on one machine")
    boolean isDistributed() {
        return distributed == null || devices == null || devices <= 1;
    }

    /**
     * Reported as the field {@code augment}: a distributed run's minibatches are cut once and read by
     * the executors in every epoch, so there are no per-epoch flips to give it (yet).
     */
    @AssertTrue(message = "flips are not applied to distributed runs: leave augment off")
    boolean isAugment() {
        return distributed == null || augment == null || !augment;
    }
}
