package dev.segplatform.experiment.experiment;

import jakarta.persistence.CollectionTable;
import jakarta.persistence.Column;
import jakarta.persistence.ElementCollection;
import jakarta.persistence.Entity;
import jakarta.persistence.FetchType;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.JoinColumn;
import jakarta.persistence.MapKeyColumn;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.hibernate.annotations.BatchSize;

/** An experiment: a named group of runs. Deleting one only marks it, so it can be restored. */
@Entity
@Table(name = "experiment")
class ExperimentEntity {

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    private Long id;

    private String name;
    private String description;
    private Instant createdAt;
    private Instant updatedAt;
    private Instant deletedAt;

    // A page of the list loads its experiments' tags in one query, not one per experiment.
    @ElementCollection(fetch = FetchType.EAGER)
    @BatchSize(size = 1000)
    @CollectionTable(name = "experiment_tag", joinColumns = @JoinColumn(name = "experiment_id"))
    @MapKeyColumn(name = "key")
    @Column(name = "value")
    private Map<String, String> tags = new HashMap<>();

    protected ExperimentEntity() {
    }

    ExperimentEntity(String name, String description, Map<String, String> tags, Instant now) {
        this.name = name;
        this.description = description;
        this.tags = new HashMap<>(tags);
        this.createdAt = now;
        this.updatedAt = now;
    }

    public Long getId() {
        return id;
    }

    public String getName() {
        return name;
    }

    public String getDescription() {
        return description;
    }

    public Instant getCreatedAt() {
        return createdAt;
    }

    public Instant getUpdatedAt() {
        return updatedAt;
    }

    public Instant getDeletedAt() {
        return deletedAt;
    }

    public boolean isDeleted() {
        return deletedAt != null;
    }

    public Map<String, String> getTags() {
        return tags;
    }

    void rename(String name, Instant now) {
        this.name = name;
        this.updatedAt = now;
    }

    void describe(String description, Instant now) {
        this.description = description;
        this.updatedAt = now;
    }

    void delete(Instant now) {
        this.deletedAt = now;
        this.updatedAt = now;
    }

    void restore(Instant now) {
        this.deletedAt = null;
        this.updatedAt = now;
    }
}
