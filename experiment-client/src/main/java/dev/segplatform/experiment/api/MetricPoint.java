package dev.segplatform.experiment.api;

import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.PositiveOrZero;

/**
 * One measurement. NaN and infinities are legal values (a diverging loss is worth recording).
 *
 * @param step      defaults to 0
 * @param timestamp epoch milliseconds; defaults to the time the service received it
 */
public record MetricPoint(
        // The length limit is the service's setting (experiment.limits.metric-key-length, at most 250).
        @NotNull @Pattern(regexp = MetricPoint.KEY_PATTERN, message = MetricPoint.KEY_RULE) String key,
        @NotNull Double value,
        @PositiveOrZero Long step,
        @PositiveOrZero Long timestamp) {

    /** MLflow's rule for metric names, shared with the service's own checks of a batch. */
    public static final String KEY_PATTERN = "^[A-Za-z0-9_.\\-/ ]+$";
    public static final String KEY_RULE = "must be letters, digits, '_', '-', '.', '/' or spaces";
}
