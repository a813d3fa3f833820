package dev.segplatform.experiment.experiment;

import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import java.util.Map;

/** Request bodies of the experiment resource. */
final class ExperimentRequests {

    private ExperimentRequests() {
    }

    record Create(
            @NotBlank @Pattern(regexp = "^[^\\x00-\\x1f]*$", message = "must not contain control characters")
            String name,
            @Size(max = 10_000) String description,
            // Counts and lengths: experiment.limits, checked by the service (InputLimits).
            Map<@NotBlank String, @NotNull String> tags) {
    }

    /** A partial update: absent fields stay as they are. */
    record Update(
            @Pattern(regexp = "^[^\\x00-\\x1f]*\\S[^\\x00-\\x1f]*$",
                    message = "must not be blank or contain control characters")
            String name,
            @Size(max = 10_000) String description) {
    }
}
