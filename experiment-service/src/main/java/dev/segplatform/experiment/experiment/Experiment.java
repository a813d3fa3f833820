package dev.segplatform.experiment.experiment;

import java.time.Instant;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * An experiment as other features see it (MLflow's API): a copy taken in the transaction that read it,
 * so the JPA entity and its lazy state never leave this package.
 *
 * @param deletedAt null while the experiment is live
 */
public record Experiment(long id, String name, String description, Map<String, String> tags, Instant createdAt,
                         Instant updatedAt, Instant deletedAt) {

    public Experiment {
        tags = Collections.unmodifiableMap(new TreeMap<>(tags));
    }

    public boolean deleted() {
        return deletedAt != null;
    }

    static Experiment of(ExperimentEntity e) {
        return new Experiment(e.getId(), e.getName(), e.getDescription(), e.getTags(),
                e.getCreatedAt(), e.getUpdatedAt(), e.getDeletedAt());
    }
}
