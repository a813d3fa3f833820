package dev.segplatform.experiment.run;

import jakarta.persistence.CollectionTable;
import jakarta.persistence.Column;
import jakarta.persistence.ElementCollection;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.JoinColumn;
import jakarta.persistence.MapKeyColumn;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/**
 * A run as written at creation: its spec, params and tags. Reads go through {@link RunViews},
 * which joins the job (status, progress) and the latest metrics in a few set-based queries.
 */
@Entity
@Table(name = "run")
class RunEntity {

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    private Long id;

    private long experimentId;
    private String name;
    private String spec;
    private Instant createdAt;

    @ElementCollection
    @CollectionTable(name = "run_param", joinColumns = @JoinColumn(name = "run_id"))
    @MapKeyColumn(name = "key")
    @Column(name = "value")
    private Map<String, String> params = new HashMap<>();

    @ElementCollection
    @CollectionTable(name = "run_tag", joinColumns = @JoinColumn(name = "run_id"))
    @MapKeyColumn(name = "key")
    @Column(name = "value")
    private Map<String, String> tags = new HashMap<>();

    protected RunEntity() {
    }

    RunEntity(long experimentId, String name, String spec, Map<String, String> params, Map<String, String> tags,
              Instant createdAt) {
        this.experimentId = experimentId;
        this.name = name;
        this.spec = spec;
        this.params = new HashMap<>(params);
        this.tags = new HashMap<>(tags);
        this.createdAt = createdAt;
    }

    Long getId() {
        return id;
    }

    Map<String, String> getParams() {
        return params;
    }

    Map<String, String> getTags() {
        return tags;
    }
}
