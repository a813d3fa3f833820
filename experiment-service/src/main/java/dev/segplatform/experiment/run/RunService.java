package dev.segplatform.experiment.run;

import dev.segplatform.experiment.api.JobStatus;
import dev.segplatform.experiment.api.RunSpec;
import dev.segplatform.experiment.experiment.ExperimentService;
import dev.segplatform.experiment.limit.InputLimits;
import dev.segplatform.experiment.problem.ConflictException;
import dev.segplatform.experiment.problem.NotFoundException;
import dev.segplatform.experiment.queue.JobQueue;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;
import tools.jackson.databind.json.JsonMapper;

/**
 * Creating runs (run, params, tags and job in one transaction), extra params, tags and cancel; and
 * the runs an MLflow client creates, which have no job: the client trains in its own process and only
 * logs here, so their status is what the client reports rather than what a worker's lease says.
 */
@Service
public class RunService {

    private final RunRepository runs;
    private final RunInserts inserts;
    private final ExperimentService experiments;
    private final JobQueue queue;
    private final RunViews views;
    private final JsonMapper json;
    private final InputLimits limits;
    private final Clock clock;

    RunService(RunRepository runs, RunInserts inserts, ExperimentService experiments, JobQueue queue, RunViews views,
               JsonMapper json, InputLimits limits, Clock clock) {
        this.limits = limits;
        this.runs = runs;
        this.inserts = inserts;
        this.experiments = experiments;
        this.queue = queue;
        this.views = views;
        this.json = json;
        this.clock = clock;
    }

    @Transactional
    RunResponse create(long experimentId, RunRequests.Create request) {
        limits.nameAndTags("name", request.name(), request.tags(), "run");
        return create(experimentId, request.name(), request.spec(), request.tags() == null ? Map.of() : request.tags());
    }

    /**
     * Creates a run and queues its job, joining the caller's transaction; the one path by which runs
     * come to exist, for users and for tuning studies' trials alike. The spec must already be valid.
     */
    @Transactional
    public RunResponse create(long experimentId, String name, RunSpec requested, Map<String, String> tags) {
        // The stored spec is the defaulted one, so params record exactly what will be trained.
        RunSpec spec = requested.withDefaults();
        Map<String, String> params = RunParams.of(spec, json);
        RunInserts.Inserted run = inserts.insert(experimentId, name, json.writeValueAsString(spec), params, tags,
                clock.instant()).orElseThrow(() -> {
                    // Nothing was written: requireLive says whether the experiment is missing or deleted.
                    experiments.requireLive(experimentId);
                    return new ConflictException("experiment " + experimentId + " changed while the run was created;"
                            + " try again");
                });
        long jobId = queue.enqueue(run.id(), spec);
        // The answer is what was just written, not read back: a new run has a queued job that no worker
        // has seen, and no metrics. RunCreateTest holds it equal to a later GET of the run.
        return new RunResponse(run.id(), experimentId, jobId, name, JobStatus.QUEUED, spec, new TreeMap<>(params),
                new TreeMap<>(tags), Map.of(), null, 1, 0, null, false, null, run.createdAt(), null, null, null);
    }

    /**
     * A run without a spec or job, RUNNING from {@code startedAt}: an MLflow client's run. It joins no
     * queue, so the queue's capacity does not limit it.
     */
    @Transactional
    public RunResponse createTracked(long experimentId, String name, Map<String, String> tags, Instant startedAt) {
        limits.nameAndTags("run_name", name, tags, "run");
        experiments.requireLive(experimentId);
        RunEntity run = runs.saveAndFlush(RunEntity.tracked(experimentId, name, tags, clock.instant(), startedAt));
        return views.get(run.getId());
    }

    /**
     * Renames a run, or ends (or re-opens) a run without a job with the status its client reports.
     * A run with a job changes status only through its job: its worker, or a cancel.
     */
    @Transactional
    public RunResponse updateTracked(long runId, String name, JobStatus status, Instant endedAt) {
        RunEntity run = find(runId);
        if (name != null) {
            limits.name("run_name", name);
            run.rename(name);
        }
        if (status != null) {
            if (run.getSpec() != null) {
                JobStatus current = views.get(runId).status();
                if (current != status) {
                    throw new ConflictException("run " + runId + " is trained by a worker; its status (" + current
                            + ") follows its job and cannot be set to " + status);
                }
            } else {
                run.track(status, status.isFinal() ? (endedAt == null ? clock.instant() : endedAt) : null);
            }
        }
        runs.flush();
        return views.get(runId);
    }

    /** MLflow's soft delete: the run stays, with everything it logged, and leaves search until restored. */
    @Transactional
    public RunResponse markDeleted(long runId, boolean deleted) {
        find(runId).markDeleted(deleted ? clock.instant() : null);
        runs.flush();
        return views.get(runId);
    }

    @Transactional
    public RunResponse deleteTag(long runId, String key) {
        RunEntity run = find(runId);
        if (run.getTags().remove(key) == null) {
            throw new NotFoundException("tag", "'" + key + "' of run " + runId);
        }
        runs.flush();
        return views.get(runId);
    }

    private RunEntity find(long runId) {
        return runs.findById(runId).orElseThrow(() -> new NotFoundException("run", runId));
    }

    @Transactional
    public RunResponse logParams(long runId, UUID leaseToken, Map<String, String> params) {
        limits.params(params);
        queue.guardWrite(runId, leaseToken);
        RunEntity run = runs.findById(runId).orElseThrow(() -> new NotFoundException("run", runId));
        params.forEach((key, value) -> {
            String existing = run.getParams().get(key);
            if (existing != null && !existing.equals(value)) {
                throw new ConflictException("param '" + key + "' of run " + runId + " is already '" + existing
                        + "'; params are written once");
            }
        });
        run.getParams().putAll(params);
        runs.flush();
        return views.get(runId);
    }

    @Transactional
    public RunResponse setTags(long runId, Map<String, String> tags) {
        limits.tags(tags, "run");
        RunEntity run = runs.findById(runId).orElseThrow(() -> new NotFoundException("run", runId));
        long added = tags.keySet().stream().filter(key -> !run.getTags().containsKey(key)).count();
        limits.tagTotal(run.getTags().size() + (int) added, "run");
        run.getTags().putAll(tags);
        runs.flush();
        return views.get(runId);
    }

    /** A run without a job has no worker to tell: a live one ends CANCELLED at once. */
    @Transactional
    RunResponse cancel(long runId) {
        RunEntity run = find(runId);
        if (run.getSpec() != null) {
            queue.cancel(runId);
        } else {
            JobStatus status = views.get(runId).status();
            if (status.isFinal()) {
                throw new ConflictException("run " + runId + " already ended as " + status);
            }
            run.track(JobStatus.CANCELLED, clock.instant());
            runs.flush();
        }
        return views.get(runId);
    }
}
