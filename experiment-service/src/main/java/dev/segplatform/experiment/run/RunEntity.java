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
 * A run an MLflow client created has no spec and no job: its status and times live here instead.
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
    /** Only for a run without a job; a job's run reads these from the job. */
    private String status;
    private Instant startedAt;
    private Instant endedAt;
    private Instant deletedAt;

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

    /** A run without a job, logged from an MLflow client's own process: RUNNING from its start time. */
    static RunEntity tracked(long experimentId, String name, Map<String, String> tags, Instant createdAt,
                             Instant startedAt) {
        RunEntity run = new RunEntity(experimentId, name, null, Map.of(), tags, createdAt);
        run.status = "RUNNING";
        run.startedAt = startedAt;
        return run;
    }

    Long getId() {
        return id;
    }

    String getSpec() {
        return spec;
    }

    void rename(String name) {
        this.name = name;
    }

    /** A jobless run's status as its client reports it; {@code endedAt} is null while it is live. */
    void track(dev.segplatform.experiment.api.JobStatus status, Instant endedAt) {
        this.status = status.name();
        this.endedAt = endedAt;
    }

    void markDeleted(Instant deletedAt) {
        this.deletedAt = deletedAt;
    }

    Map<String, String> getParams() {
        return params;
    }

    Map<String, String> getTags() {
        return tags;
    }
}
