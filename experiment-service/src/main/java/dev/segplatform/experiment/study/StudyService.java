package dev.segplatform.experiment.study;

import dev.segplatform.experiment.experiment.ExperimentService;
import dev.segplatform.experiment.limit.InputLimits;
import dev.segplatform.experiment.problem.ApiException;
import dev.segplatform.experiment.problem.ConflictException;
import dev.segplatform.experiment.problem.FieldProblem;
import dev.segplatform.experiment.problem.InvalidInputException;
import dev.segplatform.experiment.problem.NotFoundException;
import dev.segplatform.experiment.problem.QueueFullException;
import dev.segplatform.experiment.queue.JobQueue;
import dev.segplatform.experiment.run.RunResponse;
import dev.segplatform.experiment.run.RunService;
import dev.segplatform.experiment.study.StudyRequests.Algorithm;
import dev.segplatform.experiment.study.StudyRequests.Distribution;
import dev.segplatform.experiment.study.StudyRequests.Mode;
import dev.segplatform.experiment.study.StudyRequests.Objective;
import dev.segplatform.experiment.study.StudyRequests.PrunerSettings;
import dev.segplatform.experiment.study.sampler.GridSampler;
import dev.segplatform.experiment.study.sampler.Observation;
import dev.segplatform.experiment.study.sampler.Param;
import dev.segplatform.experiment.study.sampler.RandomSampler;
import dev.segplatform.experiment.study.sampler.Sampler;
import dev.segplatform.experiment.study.sampler.TpeSampler;
import dev.segplatform.experiment.study.pruner.TrialCurve;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Tuning studies: creating one, advancing it, stopping it. All of a study's state lives in
 * PostgreSQL and every change to it happens under the study's row lock ({@code FOR UPDATE}), so any
 * number of advances (the scheduler, a request, a restarted service) can run at any time and the
 * outcome is the same: each trial is created in the transaction that moves the study's trial counter,
 * so none is lost or made twice.
 *
 * <p>Advancing a running study: (1) record the trials whose runs ended (state and objective), (2) let
 * the pruner judge the running trials' newest epochs and ask the queue to PRUNE the bad ones, (3) end
 * the study once {@code maxTrials} trials have finished, (4) otherwise create trials, one transaction
 * each, until {@code parallelism} are queued or running.
 */
@Service
public class StudyService {

    private static final Logger log = LoggerFactory.getLogger(StudyService.class);
    private static final TypeReference<LinkedHashMap<String, Distribution>> SPACE = new TypeReference<>() {
    };
    private static final TypeReference<LinkedHashMap<String, Double>> VALUES = new TypeReference<>() {
    };
    /** Prior draws checked at creation for int and quniform parameters, to catch e.g. an imageSize off the 32 grid. */
    private static final int PROBES = 64;

    private final InputLimits limits;
    private final JdbcClient jdbc;
    private final JsonMapper json;
    private final ExperimentService experiments;
    private final RunService runs;
    private final JobQueue queue;
    private final TrialSpecs specs;
    private final TransactionTemplate tx;

    StudyService(JdbcClient jdbc, JsonMapper json, ExperimentService experiments, RunService runs, JobQueue queue,
                 TrialSpecs specs, PlatformTransactionManager transactions, InputLimits limits) {
        this.limits = limits;
        this.jdbc = jdbc;
        this.json = json;
        this.experiments = experiments;
        this.runs = runs;
        this.queue = queue;
        this.specs = specs;
        this.tx = new TransactionTemplate(transactions);
    }

    /** A study as stored; {@code space} and {@code baseSpec} parsed. */
    record Study(long id, long experimentId, String name, StudyStatus status, Algorithm algorithm, Objective objective,
                 ObjectNode baseSpec, TrialSpace space, PrunerSettings pruner, int maxTrials, int parallelism,
                 long seed, int trialsCreated) {
    }

    /** Validates, stores the study and creates its first trials; nothing is written when it is refused. */
    long create(StudyRequests.Create request) {
        experiments.requireLive(request.experimentId());
        List<FieldProblem> errors = new ArrayList<>();
        // Trials are runs named '<study>-trial-<n>', and run names are capped too.
        int nameLength = limits.limits().nameLength() - ("-trial-" + (request.maxTrials() - 1)).length();
        if (request.name().strip().length() > nameLength) {
            errors.add(new FieldProblem("name", "is " + request.name().strip().length() + " characters; at most "
                    + nameLength + " so that its trials' run names fit"));
        }
        Algorithm algorithm = request.algorithm() == null ? Algorithm.TPE : request.algorithm();
        Optional<TrialSpace> space = TrialSpace.parse(request.space(), errors);
        ObjectNode baseSpec = specs.tree(request.baseSpec());
        if (space.isPresent()) {
            if (algorithm == Algorithm.GRID) {
                checkGrid(space.get(), request.maxTrials(), errors);
            }
            if (errors.isEmpty()) {
                checkSpecs(baseSpec, space.get(), errors);
            }
        }
        if (!errors.isEmpty()) {
            throw new InvalidInputException(errors);
        }
        long seed = request.seed() != null ? request.seed() : new SecureRandom().nextLong() & Long.MAX_VALUE;
        Objective objective = request.objective() == null ? Objective.DEFAULT : request.objective().withDefaults();
        PrunerSettings pruner = request.pruner() == null ? PrunerSettings.NONE : request.pruner().withDefaults();
        Long id = tx.execute(status -> jdbc.sql("""
                        insert into study (experiment_id, name, status, algorithm, objective_metric, objective_mode,
                                           base_spec, space, pruner, max_trials, parallelism, seed, created_at)
                        values (:experimentId, :name, 'RUNNING', :algorithm, :metric, :mode, :baseSpec, :space,
                                :pruner, :maxTrials, :parallelism, :seed, now())
                        returning id""")
                .param("experimentId", request.experimentId())
                .param("name", request.name().strip())
                .param("algorithm", algorithm.name())
                .param("metric", objective.metric())
                .param("mode", objective.mode().name())
                .param("baseSpec", json.writeValueAsString(baseSpec))
                .param("space", json.writeValueAsString(request.space()))
                .param("pruner", json.writeValueAsString(pruner))
                .param("maxTrials", request.maxTrials())
                .param("parallelism", request.parallelism() == null ? 1 : request.parallelism())
                .param("seed", seed)
                .query(Long.class).single());
        advance(id);
        return id;
    }

    /** Cancels the study's queued and running trials and marks it STOPPED. */
    void stop(long id) {
        tx.executeWithoutResult(status -> {
            Study study = lock(id).orElseThrow(() -> new NotFoundException("study", id));
            if (study.status() != StudyStatus.RUNNING) {
                throw new ConflictException("study " + id + " already ended as " + study.status());
            }
            recordFinished(study);
            // Lock the live jobs first, so none can end between looking and cancelling.
            List<Long> live = jdbc.sql("""
                            select j.run_id from job j join study_trial t on t.run_id = j.run_id
                            where t.study_id = :id and j.status in ('QUEUED', 'RUNNING')
                            order by j.run_id for update of j""")
                    .param("id", id).query(Long.class).list();
            live.forEach(queue::cancel);
            jdbc.sql("""
                            update study set status = 'STOPPED', ended_at = now(),
                                             message = 'stopped by the user; ' || :cancelled || ' live trial(s) cancelled'
                            where id = :id""")
                    .param("cancelled", live.size()).param("id", id).update();
        });
    }

    /** The ids of the studies the scheduler should advance. */
    List<Long> running() {
        return jdbc.sql("select id from study where status = 'RUNNING' order by id").query(Long.class).list();
    }

    /** One step of a running study; safe to call at any time, from anywhere, any number of times. */
    void advance(long id) {
        Boolean open = tx.execute(status -> lock(id).map(this::settle).orElse(false));
        while (Boolean.TRUE.equals(open)) {
            try {
                open = tx.execute(status -> lock(id).map(this::createTrial).orElse(false));
            } catch (QueueFullException e) {
                log.info("Study {} waits for room in the queue: {}", id, e.getMessage());
                return;
            } catch (ApiException e) {
                // The experiment was deleted or the like: no trial can be created any more.
                log.warn("Study {} cannot create trials: {}", id, e.getMessage());
                tx.executeWithoutResult(status -> lock(id).filter(s -> s.status() == StudyStatus.RUNNING).ifPresent(s ->
                        end(s, StudyStatus.FAILED, "cannot create trials: " + e.getMessage())));
                return;
            }
        }
    }

    /** Steps (1) to (3); answers whether the study goes on. */
    private boolean settle(Study study) {
        if (study.status() != StudyStatus.RUNNING) {
            return false;
        }
        recordFinished(study);
        if (study.pruner().type() != StudyRequests.PrunerType.NONE) {
            prune(study);
        }
        int finished = jdbc.sql("select count(*) from study_trial where study_id = :id and state is not null")
                .param("id", study.id()).query(Integer.class).single();
        if (finished >= study.maxTrials()) {
            boolean anyBest = jdbc.sql("""
                            select count(*) from study_trial
                            where study_id = :id and state = 'SUCCEEDED' and objective is not null
                              and objective <> 'NaN'""")
                    .param("id", study.id()).query(Integer.class).single() > 0;
            if (anyBest) {
                end(study, StudyStatus.COMPLETED, null);
            } else {
                end(study, StudyStatus.FAILED, "none of the " + finished + " trials succeeded with a value of "
                        + study.objective().metric());
            }
            return false;
        }
        return true;
    }

    /** Copies the final status and the objective (the last logged value) of trials whose runs ended. */
    private void recordFinished(Study study) {
        jdbc.sql("""
                        update study_trial t
                        set state = j.status, ended_at = coalesce(j.ended_at, now()),
                            objective = case when j.status in ('SUCCEEDED', 'PRUNED') then lm.value end,
                            objective_step = case when j.status in ('SUCCEEDED', 'PRUNED') then lm.step end
                        from job j left join latest_metric lm on lm.run_id = j.run_id and lm.key = :metric
                        where t.study_id = :id and t.state is null and j.run_id = t.run_id
                          and j.status not in ('QUEUED', 'RUNNING')""")
                .param("metric", study.objective().metric())
                .param("id", study.id())
                .update();
    }

    /** Judges each running trial's epochs that were not judged yet; asks the queue to prune the bad ones. */
    private void prune(Study study) {
        record Candidate(int number, long runId, long checkedStep, long lastStep) {
        }
        List<Candidate> candidates = jdbc.sql("""
                        select t.number, t.run_id, coalesce(t.checked_step, -1) as checked_step, lm.step
                        from study_trial t
                        join job j on j.run_id = t.run_id
                        join latest_metric lm on lm.run_id = t.run_id and lm.key = :metric
                        where t.study_id = :id and t.state is null and j.status = 'RUNNING'
                          and not j.prune_requested and not j.cancel_requested
                          and lm.step > coalesce(t.checked_step, -1)""")
                .param("metric", study.objective().metric())
                .param("id", study.id())
                .query((rs, n) -> new Candidate(rs.getInt("number"), rs.getLong("run_id"), rs.getLong("checked_step"),
                        rs.getLong("step")))
                .list();
        if (candidates.isEmpty()) {
            return;
        }
        List<TrialCurve> curves = curves(study);
        Map<Integer, TrialCurve> byNumber = new HashMap<>();
        curves.forEach(curve -> byNumber.put(curve.trial(), curve));
        var pruner = study.pruner().pruner();
        for (Candidate candidate : candidates) {
            TrialCurve curve = byNumber.get(candidate.number());
            if (curve == null) {
                continue;
            }
            Optional<String> reason = pruner.judge(curve, candidate.checkedStep(), curves, study.objective().maximize());
            if (reason.isPresent() && queue.requestPrune(candidate.runId())) {
                log.info("Study {} prunes trial {} (run {}): {} {}", study.id(), candidate.number(), candidate.runId(),
                        study.objective().metric(), reason.get());
            }
            jdbc.sql("""
                            update study_trial set checked_step = :step,
                                                   message = coalesce(:reason, message)
                            where study_id = :id and number = :number""")
                    .param("step", curve.lastStep())
                    .param("reason", reason.map(r -> "pruned: " + study.objective().metric() + " " + r).orElse(null))
                    .param("id", study.id())
                    .param("number", candidate.number())
                    .update();
        }
    }

    /** The objective metric's history of every trial that has one; the last point per step wins. */
    private List<TrialCurve> curves(Study study) {
        Map<Integer, TreeMap<Long, Double>> values = new LinkedHashMap<>();
        Map<Integer, TrialCurve.State> states = new HashMap<>();
        jdbc.sql("""
                        select t.number, j.status, m.step, m.value
                        from study_trial t
                        join job j on j.run_id = t.run_id
                        join metric m on m.run_id = t.run_id and m.key = :metric
                        where t.study_id = :id
                        order by t.number, m.step, m.timestamp_ms""")
                .param("metric", study.objective().metric())
                .param("id", study.id())
                .query(rs -> {
                    int number = rs.getInt("number");
                    states.put(number, switch (rs.getString("status")) {
                        case "SUCCEEDED" -> TrialCurve.State.COMPLETE;
                        case "PRUNED" -> TrialCurve.State.PRUNED;
                        case "QUEUED", "RUNNING" -> TrialCurve.State.RUNNING;
                        default -> TrialCurve.State.FAILED;
                    });
                    values.computeIfAbsent(number, n -> new TreeMap<>()).put(rs.getLong("step"), rs.getDouble("value"));
                });
        List<TrialCurve> curves = new ArrayList<>();
        values.forEach((number, points) -> curves.add(new TrialCurve(number, states.get(number), points)));
        return curves;
    }

    /** Step (4) for one trial; answers whether it created one (and so whether to try for another). */
    private boolean createTrial(Study study) {
        if (study.status() != StudyStatus.RUNNING || study.trialsCreated() >= study.maxTrials()) {
            return false;
        }
        int live = jdbc.sql("""
                        select count(*) from study_trial t join job j on j.run_id = t.run_id
                        where t.study_id = :id and j.status in ('QUEUED', 'RUNNING')""")
                .param("id", study.id()).query(Integer.class).single();
        if (live >= study.parallelism()) {
            return false;
        }
        int number = study.trialsCreated();
        Map<String, Double> suggestion = sampler(study).suggest(study.space().space(), history(study), study.seed(), number);
        ObjectNode params = study.space().toParams(suggestion);
        TrialSpecs.Result spec = specs.build(study.baseSpec(), params);
        Long runId = null;
        String message = null;
        if (spec.valid()) {
            RunResponse run = runs.create(study.experimentId(), study.name() + "-trial-" + number, spec.spec(),
                    Map.of("study.id", Long.toString(study.id()), "study.trial", Integer.toString(number),
                            "study.name", study.name()));
            runId = run.id();
        } else {
            message = "the suggested spec is invalid, so no run was made: " + spec.problems().stream()
                    .map(p -> p.field() + " " + p.reason()).reduce((a, b) -> a + "; " + b).orElse("");
            log.warn("Study {} trial {}: {}", study.id(), number, message);
        }
        jdbc.sql("""
                        insert into study_trial (study_id, number, run_id, params, sampler_values, state, message,
                                                 created_at, ended_at)
                        values (:id, :number, :runId, :params, :values, :state, :message, now(),
                                case when :failed then now() end)""")
                .param("id", study.id())
                .param("number", number)
                .param("runId", runId, java.sql.Types.BIGINT)
                .param("params", json.writeValueAsString(params))
                .param("values", json.writeValueAsString(suggestion))
                .param("state", runId == null ? "FAILED" : null, java.sql.Types.VARCHAR)
                .param("message", message, java.sql.Types.VARCHAR)
                .param("failed", runId == null)
                .update();
        jdbc.sql("update study set trials_created = trials_created + 1 where id = :id").param("id", study.id()).update();
        return true;
    }

    /** Finished trials with an objective, as the samplers see them; failed and cancelled ones teach nothing. */
    private List<Observation> history(Study study) {
        boolean maximize = study.objective().maximize();
        return jdbc.sql("""
                        select number, sampler_values, state, objective from study_trial
                        where study_id = :id and state in ('SUCCEEDED', 'PRUNED') and objective is not null
                        order by number""")
                .param("id", study.id())
                .query((rs, n) -> {
                    double objective = rs.getDouble("objective");
                    return new Observation(rs.getInt("number"), json.readValue(rs.getString("sampler_values"), VALUES),
                            maximize ? -objective : objective, "PRUNED".equals(rs.getString("state")));
                })
                .list();
    }

    private static Sampler sampler(Study study) {
        return switch (study.algorithm()) {
            case RANDOM -> new RandomSampler();
            case GRID -> new GridSampler();
            case TPE -> new TpeSampler(TpeSampler.Settings.forBudget(study.maxTrials()));
        };
    }

    private void end(Study study, StudyStatus status, String message) {
        jdbc.sql("update study set status = :status, message = :message, ended_at = now() where id = :id")
                .param("status", status.name())
                .param("message", message, java.sql.Types.VARCHAR)
                .param("id", study.id())
                .update();
        log.info("Study {} ended {}{}", study.id(), status, message == null ? "" : ": " + message);
    }

    private Optional<Study> lock(long id) {
        return jdbc.sql("select * from study where id = :id for update")
                .param("id", id)
                .query((rs, n) -> new Study(rs.getLong("id"), rs.getLong("experiment_id"), rs.getString("name"),
                        StudyStatus.valueOf(rs.getString("status")), Algorithm.valueOf(rs.getString("algorithm")),
                        new Objective(rs.getString("objective_metric"), Mode.valueOf(rs.getString("objective_mode"))),
                        specs.tree(rs.getString("base_spec")),
                        TrialSpace.parse(json.readValue(rs.getString("space"), SPACE), new ArrayList<>())
                                .orElseThrow(() -> new IllegalStateException("stored space of study " + id + " is invalid")),
                        json.readValue(rs.getString("pruner"), PrunerSettings.class),
                        rs.getInt("max_trials"), rs.getInt("parallelism"), rs.getLong("seed"),
                        rs.getInt("trials_created")))
                .optional();
    }

    private static void checkGrid(TrialSpace space, int maxTrials, List<FieldProblem> errors) {
        for (Param param : space.space().params()) {
            if (!GridSampler.isDiscrete(param)) {
                errors.add(new FieldProblem("space." + param.name() + ".type", "grid search takes choice, int or quniform"));
            }
        }
        if (errors.isEmpty() && GridSampler.size(space.space()) < maxTrials) {
            errors.add(new FieldProblem("maxTrials", "the grid has only " + GridSampler.size(space.space())
                    + " points; ask for at most that many trials"));
        }
    }

    /**
     * Every value a trial could get must make a valid spec. Checked with the base spec and each
     * parameter's ends (low, high), each choice value, and prior draws for int and quniform
     * parameters; problems with base-spec fields are reported as {@code baseSpec.<field>}, problems
     * with searched fields as {@code space.<field>.low|high|values[i]}.
     */
    private void checkSpecs(ObjectNode baseSpec, TrialSpace space, List<FieldProblem> errors) {
        List<Param> params = space.space().params();
        Map<String, Double> typical = new LinkedHashMap<>();
        for (Param param : params) {
            typical.put(param.name(), probes(param).get(0).value());
        }
        for (FieldProblem problem : specs.build(baseSpec, space.toParams(typical)).problems()) {
            if (!typical.containsKey(TrialSpecs.Result.root(problem))) {
                errors.add(new FieldProblem("baseSpec." + problem.field(), problem.reason()));
            }
        }
        for (Param param : params) {
            for (Probe probe : probes(param)) {
                Map<String, Double> values = new LinkedHashMap<>(typical);
                values.put(param.name(), probe.value());
                Optional<FieldProblem> problem = specs.build(baseSpec, space.toParams(values)).problems().stream()
                        .filter(p -> TrialSpecs.Result.root(p).equals(param.name()))
                        .findFirst();
                if (problem.isPresent()) {
                    String value = space.toParams(values).get(param.name()).toString();
                    errors.add(new FieldProblem("space." + param.name() + probe.at(),
                            "gives " + param.name() + " = " + value + ": " + problem.get().reason()));
                    break; // one problem per parameter is enough to act on
                }
            }
        }
    }

    private record Probe(String at, double value) {
    }

    private static List<Probe> probes(Param param) {
        List<Probe> probes = new ArrayList<>();
        if (param instanceof Param.Choice choice) {
            for (int i = 0; i < choice.size(); i++) {
                probes.add(new Probe(".values[" + i + "]", i));
            }
            return probes;
        }
        if (param instanceof Param.Uniform p) {
            return List.of(new Probe(".low", p.low()), new Probe(".high", p.high()));
        }
        if (param instanceof Param.LogUniform p) {
            return List.of(new Probe(".low", p.low()), new Probe(".high", p.high()));
        }
        if (param instanceof Param.IntRange p) {
            probes.add(new Probe(".low", p.low()));
            probes.add(new Probe(".high", p.high()));
        } else if (param instanceof Param.QUniform p) {
            probes.add(new Probe(".low", p.low()));
            probes.add(new Probe(".high", p.snap(p.high())));
        }
        RandomSampler prior = new RandomSampler();
        var space = new dev.segplatform.experiment.study.sampler.SearchSpace(List.of(param));
        for (int i = 0; i < PROBES; i++) {
            probes.add(new Probe("", prior.suggest(space, List.of(), 0, i).get(param.name())));
        }
        return probes;
    }
}
