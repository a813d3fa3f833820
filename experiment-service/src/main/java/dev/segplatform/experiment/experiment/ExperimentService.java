package dev.segplatform.experiment.experiment;

import dev.segplatform.experiment.limit.InputLimits;
import dev.segplatform.experiment.problem.ConflictException;
import dev.segplatform.experiment.problem.NotFoundException;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.springframework.data.domain.Page;
import org.springframework.data.domain.PageRequest;
import org.springframework.data.domain.Sort;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;

/** Experiment lifecycle: create, rename, soft delete and restore, with live names kept unique. */
@Service
public class ExperimentService {

    /**
     * MLflow's "Default" experiment: its clients log there when no experiment is named
     * ({@code mlflow.start_run()}, runs/create without experiment_id) and always send id "0" for it.
     * Identity ids start at 1, so 0 is free for it on every database.
     */
    public static final long DEFAULT_ID = 0L;
    public static final String DEFAULT_NAME = "Default";

    private final ExperimentRepository experiments;
    private final JdbcClient jdbc;
    private final ExperimentSummaries summaries;
    private final InputLimits limits;
    private final Clock clock;

    ExperimentService(ExperimentRepository experiments, JdbcClient jdbc, ExperimentSummaries summaries,
                      InputLimits limits, Clock clock) {
        this.experiments = experiments;
        this.jdbc = jdbc;
        this.summaries = summaries;
        this.limits = limits;
        this.clock = clock;
    }

    @Transactional
    ExperimentEntity create(ExperimentRequests.Create request) {
        String name = request.name().strip();
        Map<String, String> tags = request.tags() == null ? Map.of() : request.tags();
        limits.nameAndTags("name", name, tags, "experiment");
        requireFreeName(name);
        return experiments.saveAndFlush(new ExperimentEntity(name, request.description(), tags, clock.instant()));
    }

    /** Creates an experiment for a caller outside this package (MLflow's experiments/create). */
    @Transactional
    public Experiment create(String name, Map<String, String> tags) {
        return Experiment.of(create(new ExperimentRequests.Create(name, null, tags)));
    }

    /**
     * Creates the Default experiment (id 0) unless it exists, in a transaction of its own so a read-only
     * caller may ask for it. Named "Default (MLflow)" if a live experiment is already called "Default".
     * Once deleted it stays deleted, as in MLflow: restore it to log there again.
     */
    @Transactional(propagation = Propagation.REQUIRES_NEW)
    public void ensureDefault() {
        if (!experiments.existsById(DEFAULT_ID)) {
            experiments.insertFixed(DEFAULT_ID, DEFAULT_NAME, DEFAULT_NAME + " (MLflow)",
                    "Where MLflow's clients log when they name no experiment", clock.instant());
        }
    }

    /** A live experiment by exact name, else the newest deleted one of that name. */
    @Transactional(readOnly = true)
    public Optional<Experiment> findByName(String name) {
        return experiments.findByNameOrderByDeletedAtDescIdDesc(name).stream()
                .min((a, b) -> Boolean.compare(a.isDeleted(), b.isDeleted())).map(Experiment::of);
    }

    /**
     * Experiments by lifecycle and a LIKE pattern on the name (null: any), newest first.
     *
     * @param pattern a SQL LIKE pattern escaped with '\'
     */
    @Transactional(readOnly = true)
    public Page<Experiment> search(boolean live, boolean deleted, String pattern, boolean ignoreCase, int page,
                                   int size) {
        return experiments.searchByPattern(live, deleted, pattern, ignoreCase,
                PageRequest.of(page, size, Sort.by(Sort.Direction.DESC, "id"))).map(Experiment::of);
    }

    @Transactional
    public Experiment rename(long id, String name) {
        return Experiment.of(update(id, new ExperimentRequests.Update(name, null)));
    }

    @Transactional
    public Experiment setTag(long id, String key, String value) {
        ExperimentEntity experiment = entity(id);
        limits.tags(Map.of(key, value), "experiment");
        if (!experiment.getTags().containsKey(key)) {
            limits.tagTotal(experiment.getTags().size() + 1, "experiment");
        }
        experiment.getTags().put(key, value);
        return Experiment.of(experiments.saveAndFlush(experiment));
    }

    @Transactional(readOnly = true)
    Page<ExperimentEntity> list(String name, boolean includeDeleted, int page, int size) {
        return experiments.search(name == null || name.isBlank() ? null : name, includeDeleted,
                PageRequest.of(page, size, Sort.by("name", "id")));
    }

    @Transactional(readOnly = true)
    ExperimentEntity entity(long id) {
        return experiments.findById(id).orElseThrow(() -> new NotFoundException("experiment", id));
    }

    @Transactional(readOnly = true)
    public Experiment get(long id) {
        return Experiment.of(entity(id));
    }

    /**
     * Refuses an experiment that new runs may not join: missing (404) or deleted (409). Run creation
     * calls this on every create, so it reads one column in plain SQL rather than loading the
     * experiment and its tags through the repository's query machinery.
     */
    @Transactional(readOnly = true)
    public void requireLive(long id) {
        boolean deleted = jdbc.sql("select deleted_at is not null from experiment where id = :id").param("id", id)
                .query(Boolean.class).optional().orElseThrow(() -> new NotFoundException("experiment", id));
        if (deleted) {
            throw new ConflictException("experiment " + id + " is deleted; restore it first");
        }
    }

    @Transactional
    ExperimentEntity update(long id, ExperimentRequests.Update request) {
        ExperimentEntity experiment = entity(id);
        if (request.name() != null && !request.name().strip().equals(experiment.getName())) {
            String name = request.name().strip();
            limits.name("name", name);
            if (!experiment.isDeleted()) {
                requireFreeName(name);
            }
            experiment.rename(name, clock.instant());
        }
        if (request.description() != null) {
            experiment.describe(request.description(), clock.instant());
        }
        return experiments.saveAndFlush(experiment);
    }

    @Transactional
    public void delete(long id) {
        ExperimentEntity experiment = entity(id);
        if (!experiment.isDeleted()) {
            experiment.delete(clock.instant());
        }
    }

    @Transactional
    public Experiment restore(long id) {
        return Experiment.of(restoreEntity(id));
    }

    @Transactional
    ExperimentEntity restoreEntity(long id) {
        ExperimentEntity experiment = entity(id);
        if (experiment.isDeleted()) {
            requireFreeName(experiment.getName());
            experiment.restore(clock.instant());
        }
        return experiments.saveAndFlush(experiment);
    }

    /** The experiments as the API shows them, with their run counts and activity, in the order given. */
    @Transactional(readOnly = true)
    List<ExperimentResponse> responses(List<ExperimentEntity> list) {
        Map<Long, Instant> updated = new LinkedHashMap<>();
        list.forEach(e -> updated.put(e.getId(), e.getUpdatedAt()));
        Map<Long, ExperimentSummaries.Summary> byId = summaries.of(updated);
        return list.stream().map(e -> ExperimentResponse.of(e, byId.get(e.getId()))).toList();
    }

    ExperimentResponse response(ExperimentEntity experiment) {
        return responses(List.of(experiment)).get(0);
    }

    private void requireFreeName(String name) {
        if (experiments.existsByNameAndDeletedAtIsNull(name)) {
            throw new ConflictException("an experiment named '" + name + "' already exists");
        }
    }
}
