package dev.segplatform.experiment.experiment;

import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import java.util.Map;

/** Request bodies of the experiment resource. */
final class ExperimentRequests {

    private ExperimentRequests() {
    }

    record Create(
            @NotBlank @Size(max = 256) @Pattern(regexp = "^[^\\x00-\\x1f]*$", message = "must not contain control characters")
            String name,
            @Size(max = 10_000) String description,
            Map<@NotBlank @Size(max = 250) String, @Size(max = 5000) String> tags) {
    }

    /** A partial update: absent fields stay as they are. */
    record Update(
            @Size(min = 1, max = 256) @Pattern(regexp = "^[^\\x00-\\x1f]*\\S[^\\x00-\\x1f]*$",
                    message = "must not be blank or contain control characters")
            String name,
            @Size(max = 10_000) String description) {
    }
}
