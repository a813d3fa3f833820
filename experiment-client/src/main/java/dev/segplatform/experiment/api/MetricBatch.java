package dev.segplatform.experiment.api;

import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Size;
import java.util.List;

/**
 * Up to 1000 metric points, written all or none. The points' own constraints are not cascaded here:
 * the service checks a batch's points in one plain loop, because Bean Validation builds a context and
 * a property path per point and per constraint, which cost more than the database write of the batch.
 */
public record MetricBatch(@NotNull @Size(min = 1, max = 1000) List<MetricPoint> metrics) {
}
