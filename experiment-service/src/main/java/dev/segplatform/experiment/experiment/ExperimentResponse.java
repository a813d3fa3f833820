package dev.segplatform.experiment.experiment;

import dev.segplatform.experiment.api.JobStatus;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;

/**
 * An experiment as the API shows it.
 *
 * @param runCounts      its runs by status, every status present (zero included)
 * @param bestValMeanIou the highest latest {@code val_mean_iou} among its runs; null when no run logged one
 * @param lastActivityAt the newest of its own last update and its runs' creation, start, last heartbeat and end
 */
public record ExperimentResponse(long id, String name, String description, Map<String, String> tags,
                                 boolean deleted, Instant createdAt, Instant updatedAt, Instant deletedAt,
                                 Map<JobStatus, Long> runCounts, Double bestValMeanIou, Instant lastActivityAt) {

    static ExperimentResponse of(ExperimentEntity e, ExperimentSummaries.Summary summary) {
        return new ExperimentResponse(e.getId(), e.getName(), e.getDescription(), new TreeMap<>(e.getTags()),
                e.isDeleted(), e.getCreatedAt(), e.getUpdatedAt(), e.getDeletedAt(), summary.runCounts(),
                summary.bestValMeanIou(), summary.lastActivityAt());
    }
}
