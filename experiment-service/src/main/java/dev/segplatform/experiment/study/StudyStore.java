package dev.segplatform.experiment.study;

import dev.segplatform.experiment.study.StudyRequests.Algorithm;
import dev.segplatform.experiment.study.StudyRequests.Distribution;
import dev.segplatform.experiment.study.StudyRequests.Mode;
import dev.segplatform.experiment.study.StudyRequests.Objective;
import dev.segplatform.experiment.study.StudyRequests.PrunerSettings;
import dev.segplatform.experiment.study.pruner.TrialCurve;
import dev.segplatform.experiment.study.sampler.Observation;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The {@code study} and {@code study_trial} tables, and what a study reads of its trials' jobs and
 * metrics. Every method runs in its caller's transaction ({@link StudyService} holds the study's row
 * lock around them); none decides anything.
 */
@Repository
class StudyStore {

    private static final TypeReference<LinkedHashMap<String, Distribution>> SPACE = new TypeReference<>() {
    };
    private static final TypeReference<LinkedHashMap<String, Double>> VALUES = new TypeReference<>() {
    };

    private final JdbcClient jdbc;
    private final JsonMapper json;
    private final TrialSpecs specs;

    StudyStore(JdbcClient jdbc, JsonMapper json, TrialSpecs specs) {
        this.jdbc = jdbc;
        this.json = json;
        this.specs = specs;
    }

    /** A study as stored; {@code space} and {@code baseSpec} parsed. */
    record Study(long id, long experimentId, String name, StudyStatus status, Algorithm algorithm, Objective objective,
                 ObjectNode baseSpec, TrialSpace space, PrunerSettings pruner, int maxTrials, int parallelism,
                 long seed, int trialsCreated) {
    }

    /** A running trial whose objective has steps not judged yet. */
    record PruneCandidate(int number, long runId, long checkedStep, long lastStep) {
    }

    long insert(StudyRequests.Create request, Algorithm algorithm, Objective objective, ObjectNode baseSpec,
                PrunerSettings pruner, long seed) {
        return jdbc.sql("""
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
                .query(Long.class).single();
    }

    /** The study under its row lock ({@code FOR UPDATE}) until the caller's transaction ends. */
    Optional<Study> lock(long id) {
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

    List<Long> running() {
        return jdbc.sql("select id from study where status = 'RUNNING' order by id").query(Long.class).list();
    }

    /** The runs of the study's queued and running trials, their job rows locked so none ends meanwhile. */
    List<Long> lockLiveTrialRuns(long id) {
        return jdbc.sql("""
                        select j.run_id from job j join study_trial t on t.run_id = j.run_id
                        where t.study_id = :id and j.status in ('QUEUED', 'RUNNING')
                        order by j.run_id for update of j""")
                .param("id", id).query(Long.class).list();
    }

    void markStopped(long id, int cancelled) {
        jdbc.sql("""
                        update study set status = 'STOPPED', ended_at = now(),
                                         message = 'stopped by the user; ' || :cancelled || ' live trial(s) cancelled'
                        where id = :id""")
                .param("cancelled", cancelled).param("id", id).update();
    }

    void end(long id, StudyStatus status, String message) {
        jdbc.sql("update study set status = :status, message = :message, ended_at = now() where id = :id")
                .param("status", status.name())
                .param("message", message, java.sql.Types.VARCHAR)
                .param("id", id)
                .update();
    }

    int finishedTrials(long id) {
        return jdbc.sql("select count(*) from study_trial where study_id = :id and state is not null")
                .param("id", id).query(Integer.class).single();
    }

    boolean anySucceededWithObjective(long id) {
        return jdbc.sql("""
                        select count(*) from study_trial
                        where study_id = :id and state = 'SUCCEEDED' and objective is not null
                          and objective <> 'NaN'""")
                .param("id", id).query(Integer.class).single() > 0;
    }

    int liveTrials(long id) {
        return jdbc.sql("""
                        select count(*) from study_trial t join job j on j.run_id = t.run_id
                        where t.study_id = :id and j.status in ('QUEUED', 'RUNNING')""")
                .param("id", id).query(Integer.class).single();
    }

    /**
     * Copies the final status and the objective of trials whose runs ended: the value at the epoch
     * whose model the run kept ({@code model_metric}), else the last logged one (a pruned trial).
     */
    void recordFinished(Study study) {
        jdbc.sql("""
                        update study_trial t
                        set state = j.status, ended_at = coalesce(j.ended_at, now()),
                            objective = case when j.status in ('SUCCEEDED', 'PRUNED') then lm.value end,
                            objective_step = case when j.status in ('SUCCEEDED', 'PRUNED') then lm.step end
                        from job j left join model_metric lm on lm.run_id = j.run_id and lm.key = :metric
                        where t.study_id = :id and t.state is null and j.run_id = t.run_id
                          and j.status not in ('QUEUED', 'RUNNING')""")
                .param("metric", study.objective().metric())
                .param("id", study.id())
                .update();
    }

    /** Running trials, not yet asked to stop, whose objective has a step after the last one judged. */
    List<PruneCandidate> pruneCandidates(Study study) {
        return jdbc.sql("""
                        select t.number, t.run_id, coalesce(t.checked_step, -1) as checked_step, lm.step
                        from study_trial t
                        join job j on j.run_id = t.run_id
                        join latest_metric lm on lm.run_id = t.run_id and lm.key = :metric
                        where t.study_id = :id and t.state is null and j.status = 'RUNNING'
                          and not j.prune_requested and not j.cancel_requested
                          and lm.step > coalesce(t.checked_step, -1)""")
                .param("metric", study.objective().metric())
                .param("id", study.id())
                .query((rs, n) -> new PruneCandidate(rs.getInt("number"), rs.getLong("run_id"),
                        rs.getLong("checked_step"), rs.getLong("step")))
                .list();
    }

    /** Records that a trial was judged up to {@code step}, with the reason when it was pruned. */
    void markChecked(long id, int number, long step, String reason) {
        jdbc.sql("""
                        update study_trial set checked_step = :step,
                                               message = coalesce(:reason, message)
                        where study_id = :id and number = :number""")
                .param("step", step)
                .param("reason", reason)
                .param("id", id)
                .param("number", number)
                .update();
    }

    /** The objective metric's history of every trial that has one; the last point per step wins. */
    List<TrialCurve> curves(Study study) {
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

    /**
     * Stores trial {@code number} and moves the study's trial counter, in the caller's transaction.
     *
     * @param runId null when no run was made (the trial is FAILED at once, {@code message} says why)
     */
    void insertTrial(long id, int number, Long runId, ObjectNode params, Map<String, Double> suggestion,
                     String message) {
        jdbc.sql("""
                        insert into study_trial (study_id, number, run_id, params, sampler_values, state, message,
                                                 created_at, ended_at)
                        values (:id, :number, :runId, :params, :values, :state, :message, now(),
                                case when :failed then now() end)""")
                .param("id", id)
                .param("number", number)
                .param("runId", runId, java.sql.Types.BIGINT)
                .param("params", json.writeValueAsString(params))
                .param("values", json.writeValueAsString(suggestion))
                .param("state", runId == null ? "FAILED" : null, java.sql.Types.VARCHAR)
                .param("message", message, java.sql.Types.VARCHAR)
                .param("failed", runId == null)
                .update();
        jdbc.sql("update study set trials_created = trials_created + 1 where id = :id").param("id", id).update();
    }

    /** Finished trials with an objective, as the samplers see them; failed and cancelled ones teach nothing. */
    List<Observation> history(Study study) {
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
}
