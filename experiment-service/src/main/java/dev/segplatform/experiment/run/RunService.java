package dev.segplatform.experiment.run;

import dev.segplatform.experiment.api.RunSpec;
import dev.segplatform.experiment.experiment.ExperimentService;
import dev.segplatform.experiment.limit.InputLimits;
import dev.segplatform.experiment.problem.ConflictException;
import dev.segplatform.experiment.problem.NotFoundException;
import dev.segplatform.experiment.queue.JobQueue;
import java.time.Clock;
import java.util.Map;
import java.util.UUID;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;
import tools.jackson.databind.json.JsonMapper;

/** Creating runs (run, params, tags and job in one transaction), extra params, tags and cancel. */
@Service
public class RunService {

    private final RunRepository runs;
    private final ExperimentService experiments;
    private final JobQueue queue;
    private final RunViews views;
    private final JsonMapper json;
    private final InputLimits limits;
    private final Clock clock;

    RunService(RunRepository runs, ExperimentService experiments, JobQueue queue, RunViews views, JsonMapper json,
               InputLimits limits, Clock clock) {
        this.limits = limits;
        this.runs = runs;
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
        experiments.requireLive(experimentId);
        queue.ensureCapacity();
        // The stored spec is the defaulted one, so params record exactly what will be trained.
        RunSpec spec = requested.withDefaults();
        RunEntity run = runs.saveAndFlush(new RunEntity(experimentId, name, json.writeValueAsString(spec),
                RunParams.of(spec, json), tags, clock.instant()));
        queue.enqueue(run.getId(), spec);
        return views.get(run.getId());
    }

    @Transactional
    RunResponse logParams(long runId, UUID leaseToken, Map<String, String> params) {
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
    RunResponse setTags(long runId, Map<String, String> tags) {
        limits.tags(tags, "run");
        RunEntity run = runs.findById(runId).orElseThrow(() -> new NotFoundException("run", runId));
        long added = tags.keySet().stream().filter(key -> !run.getTags().containsKey(key)).count();
        limits.tagTotal(run.getTags().size() + (int) added, "run");
        run.getTags().putAll(tags);
        runs.flush();
        return views.get(runId);
    }

    @Transactional
    RunResponse cancel(long runId) {
        queue.cancel(runId);
        return views.get(runId);
    }
}
