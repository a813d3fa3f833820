package dev.segplatform.experiment.run;

import dev.segplatform.experiment.api.RunSpec;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import java.util.Map;

/** Request bodies of the run resource. */
final class RunRequests {

    private RunRequests() {
    }

    // Counts and lengths of names, tags and params: experiment.limits, checked by the service (InputLimits).

    record Create(@Pattern(regexp = "^[^\\x00-\\x1f]*$", message = "must not contain control characters") String name,
                  @NotNull @Valid RunSpec spec,
                  Map<@NotBlank String, @NotNull String> tags) {
    }

    /** Extra params, written once: repeating a key with the same value is fine, changing it is not. */
    record LogParams(@NotEmpty Map<@NotBlank String, @NotNull String> params) {
    }

    /** Tags, set or overwritten. */
    record SetTags(@NotEmpty Map<@NotBlank String, @NotNull String> tags) {
    }
}
