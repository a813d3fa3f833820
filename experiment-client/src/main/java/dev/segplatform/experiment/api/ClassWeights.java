package dev.segplatform.experiment.api;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import dev.segplatform.core.model.ModelLimits;
import jakarta.validation.constraints.DecimalMax;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Size;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The cross-entropy's class weights, in JSON one of {@code "none"}, {@code "median-frequency"}
 * (worked out by the trainer from the run's training masks: {@code median(f) / f_c}, {@code f_c}
 * the class's share of the pixels) or a list of numbers, one per class by class index (the Pet
 * trimaps: pet, background, border). One field rather than two so that a study can search it with a
 * single {@code choice}.
 *
 * @param method {@link #NONE}, {@link #MEDIAN_FREQUENCY}, or null when {@code values} are given
 * @param values explicit weights, or null
 */
public record ClassWeights(
        String method,
        @Size(min = ModelLimits.MIN_NUM_CLASSES)
        List<@NotNull @DecimalMin(value = "0.0", inclusive = false) @DecimalMax(ModelLimits.MAX_CLASS_WEIGHT) Double> values) {

    public static final String NONE = "none";
    public static final String MEDIAN_FREQUENCY = "median-frequency";

    public ClassWeights {
        if ((method == null) == (values == null)) {
            throw new IllegalArgumentException("classWeights is either a method or a list of numbers");
        }
        if (method != null && !method.equals(NONE) && !method.equals(MEDIAN_FREQUENCY)) {
            throw new IllegalArgumentException(
                    "'" + method + "' is not one of \"none\", \"median-frequency\" or a list of numbers, one per class");
        }
        values = values == null ? null : Collections.unmodifiableList(new ArrayList<>(values));
    }

    public static ClassWeights none() {
        return new ClassWeights(NONE, null);
    }

    public static ClassWeights medianFrequency() {
        return new ClassWeights(MEDIAN_FREQUENCY, null);
    }

    public static ClassWeights of(List<Double> values) {
        return new ClassWeights(null, values);
    }

    /** A string or a JSON array; anything else is refused with a message for the client. */
    @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
    static ClassWeights fromJson(Object json) {
        if (json instanceof String method) {
            return new ClassWeights(method, null);
        }
        if (json instanceof List<?> list) {
            List<Double> values = new ArrayList<>(list.size());
            for (Object value : list) {
                if (value != null && !(value instanceof Number)) {
                    throw new IllegalArgumentException("classWeights lists numbers, one per class; got " + value);
                }
                values.add(value == null ? null : ((Number) value).doubleValue());
            }
            return new ClassWeights(null, values);
        }
        throw new IllegalArgumentException(
                "classWeights is \"none\", \"median-frequency\" or a list of numbers, one per class");
    }

    @JsonValue
    Object toJson() {
        return values != null ? values : method;
    }
}
