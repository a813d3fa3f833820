package dev.segplatform.experiment.experiment;

import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;

/** An experiment as the API shows it. */
public record ExperimentResponse(long id, String name, String description, Map<String, String> tags,
                                 boolean deleted, Instant createdAt, Instant updatedAt, Instant deletedAt) {

    static ExperimentResponse of(ExperimentEntity e) {
        return new ExperimentResponse(e.getId(), e.getName(), e.getDescription(), new TreeMap<>(e.getTags()),
                e.isDeleted(), e.getCreatedAt(), e.getUpdatedAt(), e.getDeletedAt());
    }
}
