package dev.segplatform.experiment.api;

import jakarta.validation.constraints.AssertTrue;
import jakarta.validation.constraints.DecimalMax;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;

/**
 * The data a run trains on.
 *
 * @param type               {@code oxford-pet} (a folder) or {@code synthetic} (generated)
 * @param path               for {@code oxford-pet}: the folder, relative to the trainer's datasets root
 * @param count              for {@code synthetic}: how many images to generate
 * @param seed               for {@code synthetic}: the generator's seed
 * @param validationFraction when set, validate on a seeded split of trainval instead of test.txt
 */
public record DatasetSpec(
        @NotNull DatasetType type,
        @Size(min = 1, max = 1024)
        @Pattern(regexp = RELATIVE_PATH, message = RELATIVE_PATH_MESSAGE)
        String path,
        @Min(10) @Max(1_000_000) Integer count,
        Long seed,
        @DecimalMin(value = "0.0", inclusive = false) @DecimalMax(value = "0.9") Double validationFraction) {

    /**
     * A path a trainer resolves under one of its roots: relative, without {@code ..} segments,
     * backslashes or NUL bytes, so that a spec cannot name a file outside the root. The trainer
     * checks again after resolving it.
     */
    public static final String RELATIVE_PATH = "^(?!/)(?!.*(^|/)\\.\\.(/|$))[^\\x00\\\\]+$";
    public static final String RELATIVE_PATH_MESSAGE = "must be a relative path without '..', backslashes or NUL bytes";

    /** Reported as the field {@code source}: which of path or count is needed depends on the type. */
    @AssertTrue(message = "oxford-pet needs a path; synthetic needs a count")
    boolean isSource() {
        if (type == null) {
            return true; // reported by @NotNull on type
        }
        return type == DatasetType.OXFORD_PET ? path != null : count != null;
    }

    /** The generator seed, defaulting to 0 so a synthetic data set is reproducible by default. */
    public long seedOrDefault() {
        return seed == null ? 0L : seed;
    }
}
