package dev.segplatform.experiment.run;

import dev.segplatform.experiment.api.RunSpec;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Size;
import java.util.Map;

/** Request bodies of the run resource. */
final class RunRequests {

    private RunRequests() {
    }

    record Create(@Size(max = 256) String name, @NotNull @Valid RunSpec spec,
                  Map<@NotBlank @Size(max = 250) String, @NotNull @Size(max = 5000) String> tags) {
    }

    /** Extra params, written once: repeating a key with the same value is fine, changing it is not. */
    record LogParams(@NotEmpty @Size(max = 100) Map<@NotBlank @Size(max = 250) String, @NotNull @Size(max = 8000) String> params) {
    }

    /** Tags, set or overwritten. */
    record SetTags(@NotEmpty @Size(max = 100) Map<@NotBlank @Size(max = 250) String, @NotNull @Size(max = 5000) String> tags) {
    }
}
