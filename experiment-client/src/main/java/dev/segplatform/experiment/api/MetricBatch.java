package dev.segplatform.experiment.api;

import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Size;
import java.util.List;

/** Up to 1000 metric points, written all or none. */
public record MetricBatch(@NotNull @Size(min = 1, max = 1000) List<@NotNull @Valid MetricPoint> metrics) {
}
