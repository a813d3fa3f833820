package dev.segplatform.experiment.api;

import jakarta.validation.Valid;
import jakarta.validation.constraints.DecimalMax;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Positive;
import jakarta.validation.constraints.PositiveOrZero;
import jakarta.validation.constraints.Size;
import java.util.List;

/**
 * What a run trains: the training spec, stored with the run and handed to the worker that claims it.
 * Fields left out take the defaults of {@link #withDefaults()}; the stored spec is always the
 * defaulted one, so a run's params say exactly what was trained.
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
 * @param icnetLossWeights      ICNet cascade label guidance weights at 1/16, 1/8, 1/4
 *                              (default 0.4, 0.4, 1.0); ignored by other models
 * @param width                 base filter count; absent means the architecture's default
 * @param augment               seeded horizontal flips per epoch (default false)
 * @param earlyStoppingPatience stop after this many epochs without a better val_loss; absent = off
 */
public record RunSpec(
        @NotNull ModelArchitecture model,
        @NotNull @Min(1) @Max(10_000) Integer epochs,
        @NotNull @Min(1) @Max(1024) Integer batchSize,
        @NotNull @Positive @DecimalMax("10.0") Double learningRate,
        @NotNull @Min(32) @Max(1024) @MultipleOf(32) Integer imageSize,
        Optimizer optimizer,
        @PositiveOrZero @DecimalMax("1.0") Double weightDecay,
        Long seed,
        @Min(1) @Max(64) Integer devices,
        @NotNull @Valid DatasetSpec dataset,
        @Size(min = 3, max = 3) List<@NotNull @DecimalMin("0.0") @DecimalMax("100.0") Double> icnetLossWeights,
        @Min(4) @Max(1024) Integer width,
        Boolean augment,
        @Min(1) @Max(10_000) Integer earlyStoppingPatience) {

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
                earlyStoppingPatience);
    }
}
