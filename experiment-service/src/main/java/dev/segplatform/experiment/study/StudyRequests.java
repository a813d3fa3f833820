package dev.segplatform.experiment.study;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.segplatform.experiment.api.RunSpec;
import dev.segplatform.experiment.study.pruner.AshaPruner;
import dev.segplatform.experiment.study.pruner.MedianPruner;
import dev.segplatform.experiment.study.pruner.Pruner;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.exc.InvalidFormatException;

/** Request bodies of the study resource and the settings records they carry (stored as given, defaulted). */
public final class StudyRequests {

    private StudyRequests() {
    }

    /**
     * A new study.
     *
     * @param baseSpec    the run spec every trial starts from; fields in {@code space} may be left out
     * @param space       spec field -> distribution, e.g. {@code learningRate -> loguniform 1e-4..1e-1}
     * @param objective   the metric to optimise; default {@code val_mean_iou}, max
     * @param algorithm   how trials are suggested; default tpe
     * @param parallelism trials queued or running at once; default 1
     * @param pruner      early stopping of bad trials; default none. {@code "median"} is short for
     *                    {@code {"type": "median"}}
     * @param seed        makes the suggestions reproducible; drawn and stored when absent
     */
    public record Create(
            @NotNull Long experimentId,
            @NotBlank @Pattern(regexp = "^[^\\x00-\\x1f]*$", message = "must not contain control characters")
            String name,
            @NotNull RunSpec baseSpec,
            @NotEmpty @Size(max = 32) Map<String, Distribution> space,
            @Valid Objective objective,
            Algorithm algorithm,
            @NotNull @Min(1) @Max(1000) Integer maxTrials,
            @Min(1) @Max(100) Integer parallelism,
            @Valid PrunerSettings pruner,
            Long seed) {
    }

    /**
     * One search dimension. {@code uniform} and {@code loguniform} take {@code low < high} (log: both
     * positive); {@code quniform} also a step {@code q}, giving {@code low, low + q, ...} up to
     * {@code high}; {@code int} whole numbers from {@code low} to {@code high}, both included;
     * {@code choice} a list of {@code values} of any JSON type.
     */
    public record Distribution(DistributionType type, Double low, Double high, Double q, List<JsonNode> values) {
    }

    public enum DistributionType {
        @JsonProperty("uniform") UNIFORM,
        @JsonProperty("loguniform") LOGUNIFORM,
        @JsonProperty("quniform") QUNIFORM,
        @JsonProperty("int") INT,
        @JsonProperty("choice") CHOICE
    }

    public enum Algorithm {
        @JsonProperty("random") RANDOM,
        @JsonProperty("tpe") TPE,
        @JsonProperty("grid") GRID
    }

    public enum Mode {
        @JsonProperty("max") MAX,
        @JsonProperty("min") MIN
    }

    /**
     * What a trial is judged by: its last logged value of {@code metric} (the value of the model the
     * run ended with, as the model registry ranks runs).
     */
    public record Objective(
            @Pattern(regexp = "^[A-Za-z0-9_.\\-/ ]{1,250}$", message = "must be 1-250 letters, digits, '_', '-', '.', '/' or spaces")
            String metric,
            Mode mode) {

        public static final Objective DEFAULT = new Objective("val_mean_iou", Mode.MAX);

        Objective withDefaults() {
            return new Objective(metric == null ? DEFAULT.metric() : metric, mode == null ? DEFAULT.mode() : mode);
        }

        boolean maximize() {
            return mode == Mode.MAX;
        }
    }

    public enum PrunerType {
        @JsonProperty("none") NONE,
        @JsonProperty("median") MEDIAN,
        @JsonProperty("asha") ASHA
    }

    /**
     * Early stopping of trials from their per-epoch metrics.
     *
     * @param startupTrials   median: completed trials needed before any pruning (default 2)
     * @param warmupSteps     median: epochs up to this one are never judged (default 0)
     * @param minResource     asha: the first rung, in epochs (default 1)
     * @param reductionFactor asha: each rung keeps about 1/reductionFactor of the trials (default 3)
     */
    public record PrunerSettings(
            @NotNull PrunerType type,
            @Min(1) @Max(1000) Integer startupTrials,
            @Min(0) @Max(10_000) Integer warmupSteps,
            @Min(1) @Max(10_000) Integer minResource,
            @Min(2) @Max(100) Integer reductionFactor) {

        public static final PrunerSettings NONE = new PrunerSettings(PrunerType.NONE, null, null, null, null);

        @JsonCreator(mode = JsonCreator.Mode.PROPERTIES)
        public PrunerSettings {
        }

        /** The short form: {@code "pruner": "median"}. */
        @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
        static PrunerSettings of(String type) {
            return Arrays.stream(PrunerType.values())
                    .filter(t -> t.name().toLowerCase(Locale.ROOT).equals(type))
                    .findFirst()
                    .map(t -> new PrunerSettings(t, null, null, null, null))
                    // A binding error like an unknown enum value, so the answer names the field and the choices.
                    .orElseThrow(() -> new InvalidFormatException(null, "unknown pruner", type, PrunerType.class));
        }

        /** The settings with the defaults of the chosen pruner filled in, the others left out. */
        PrunerSettings withDefaults() {
            return switch (type) {
                case NONE -> NONE;
                case MEDIAN -> new PrunerSettings(type, startupTrials == null ? 2 : startupTrials,
                        warmupSteps == null ? 0 : warmupSteps, null, null);
                case ASHA -> new PrunerSettings(type, null, null, minResource == null ? 1 : minResource,
                        reductionFactor == null ? 3 : reductionFactor);
            };
        }

        Pruner pruner() {
            PrunerSettings s = withDefaults();
            return switch (type) {
                case NONE -> Pruner.NONE;
                case MEDIAN -> new MedianPruner(s.startupTrials(), s.warmupSteps());
                case ASHA -> new AshaPruner(s.minResource(), s.reductionFactor());
            };
        }
    }
}
