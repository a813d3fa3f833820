package dev.segplatform.experiment.study;

import dev.segplatform.experiment.api.JobStatus;
import dev.segplatform.experiment.problem.NotFoundException;
import dev.segplatform.experiment.study.StudyRequests.Algorithm;
import dev.segplatform.experiment.study.StudyRequests.Distribution;
import dev.segplatform.experiment.study.StudyRequests.Mode;
import dev.segplatform.experiment.study.StudyRequests.Objective;
import dev.segplatform.experiment.study.StudyRequests.PrunerSettings;
import dev.segplatform.experiment.study.StudyResponse.Dimension;
import dev.segplatform.experiment.study.StudyResponse.ParallelCoordinates;
import dev.segplatform.experiment.study.StudyResponse.TrialResponse;
import dev.segplatform.experiment.study.sampler.Param;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reads studies for the API. A trial's state and objective come from its row once the scheduler has
 * recorded them, and from its run (job status, latest metric) while it is live, so a view is never
 * staler than the runs themselves.
 */
@Component
class StudyViews {

    private static final TypeReference<LinkedHashMap<String, Distribution>> SPACE = new TypeReference<>() {
    };
    private static final TypeReference<LinkedHashMap<String, Double>> VALUES = new TypeReference<>() {
    };

    /** Trials of one study with their live state; {@code :metric} is the study's objective. */
    private static final String TRIALS = """
            select t.number, t.run_id, t.params, t.sampler_values, t.created_at,
                   coalesce(t.state, j.status) as state,
                   case when t.state is not null then t.objective
                        when j.status in ('QUEUED', 'RUNNING', 'SUCCEEDED', 'PRUNED') then lm.value end as objective,
                   case when t.state is not null then t.objective_step
                        when j.status in ('QUEUED', 'RUNNING', 'SUCCEEDED', 'PRUNED') then lm.step end as step,
                   coalesce(t.message, j.message) as message, j.worker_id,
                   coalesce(t.ended_at, j.ended_at) as ended_at
            from study_trial t
            left join job j on j.run_id = t.run_id
            left join latest_metric lm on lm.run_id = t.run_id and lm.key = :metric
            where t.study_id = :id""";

    private final JdbcClient jdbc;
    private final JsonMapper json;

    StudyViews(JdbcClient jdbc, JsonMapper json) {
        this.jdbc = jdbc;
        this.json = json;
    }

    private record Row(long id, long experimentId, String name, StudyStatus status, String message,
                       Algorithm algorithm, Objective objective, PrunerSettings pruner, int maxTrials,
                       int parallelism, long seed, String space, String baseSpec, int trialsCreated,
                       Instant createdAt, Instant endedAt) {
    }

    private record Trial(TrialResponse response, Map<String, Double> samplerValues) {
    }

    @Transactional(readOnly = true)
    StudyResponse get(long id) {
        Row study = row(id);
        List<Trial> trials = jdbc.sql(TRIALS + " order by t.number")
                .param("metric", study.objective().metric())
                .param("id", id)
                .query((rs, n) -> new Trial(trial(rs), json.readValue(rs.getString("sampler_values"), VALUES)))
                .list();
        Map<JobStatus, Integer> counts = new EnumMap<>(JobStatus.class);
        trials.forEach(trial -> counts.merge(trial.response().state(), 1, Integer::sum));
        boolean maximize = study.objective().maximize();
        Comparator<TrialResponse> better = Comparator.comparingDouble(TrialResponse::objective);
        TrialResponse best = trials.stream().map(Trial::response)
                .filter(t -> t.state() == JobStatus.SUCCEEDED && t.objective() != null && !t.objective().isNaN())
                .min((a, b) -> {
                    int byValue = maximize ? better.compare(b, a) : better.compare(a, b);
                    return byValue != 0 ? byValue : Integer.compare(a.number(), b.number());
                })
                .orElse(null);
        LinkedHashMap<String, Distribution> space = json.readValue(study.space(), SPACE);
        return new StudyResponse(study.id(), study.experimentId(), study.name(), study.status(), study.message(),
                study.algorithm(), study.objective(), study.pruner(), study.maxTrials(), study.parallelism(),
                study.seed(), json.readTree(study.space()), json.readTree(study.baseSpec()), study.trialsCreated(),
                counts, best, trials.stream().map(Trial::response).toList(),
                parallelCoordinates(space, study.objective(), trials), study.createdAt(), study.endedAt());
    }

    @Transactional(readOnly = true)
    StudyResponse.TrialPage trials(long id, JobStatus state, int page, int size) {
        Row study = row(id);
        String filter = state == null ? "" : " and coalesce(t.state, j.status) = :state";
        var query = jdbc.sql(TRIALS + filter + " order by t.number limit :limit offset :offset")
                .param("metric", study.objective().metric())
                .param("id", id)
                .param("limit", size)
                .param("offset", (long) page * size);
        var count = jdbc.sql("""
                        select count(*) from study_trial t left join job j on j.run_id = t.run_id
                        where t.study_id = :id""" + filter)
                .param("id", id);
        if (state != null) {
            query = query.param("state", state.name());
            count = count.param("state", state.name());
        }
        List<TrialResponse> items = query.query((rs, n) -> trial(rs)).list();
        return new StudyResponse.TrialPage(items, page, size, count.query(Long.class).single());
    }

    @Transactional(readOnly = true)
    StudyResponse.StudyPage list(Long experimentId, StudyStatus status, int page, int size) {
        String where = " where (cast(:experimentId as bigint) is null or experiment_id = :experimentId)"
                + " and (cast(:status as varchar) is null or status = :status)";
        List<StudyResponse.Summary> items = jdbc.sql("select * from study" + where
                        + " order by id desc limit :limit offset :offset")
                .param("experimentId", experimentId, java.sql.Types.BIGINT)
                .param("status", status == null ? null : status.name(), java.sql.Types.VARCHAR)
                .param("limit", size)
                .param("offset", (long) page * size)
                .query((rs, n) -> {
                    Row row = row(rs);
                    return new StudyResponse.Summary(row.id(), row.experimentId(), row.name(), row.status(),
                            row.algorithm(), row.objective(), row.maxTrials(), row.parallelism(),
                            row.trialsCreated(), row.createdAt(), row.endedAt());
                })
                .list();
        long total = jdbc.sql("select count(*) from study" + where)
                .param("experimentId", experimentId, java.sql.Types.BIGINT)
                .param("status", status == null ? null : status.name(), java.sql.Types.VARCHAR)
                .query(Long.class).single();
        return new StudyResponse.StudyPage(items, page, size, total);
    }

    private Row row(long id) {
        return jdbc.sql("select * from study where id = :id").param("id", id)
                .query((rs, n) -> row(rs)).optional()
                .orElseThrow(() -> new NotFoundException("study", id));
    }

    private Row row(ResultSet rs) throws SQLException {
        return new Row(rs.getLong("id"), rs.getLong("experiment_id"), rs.getString("name"),
                StudyStatus.valueOf(rs.getString("status")), rs.getString("message"),
                Algorithm.valueOf(rs.getString("algorithm")),
                new Objective(rs.getString("objective_metric"), Mode.valueOf(rs.getString("objective_mode"))),
                json.readValue(rs.getString("pruner"), PrunerSettings.class), rs.getInt("max_trials"),
                rs.getInt("parallelism"), rs.getLong("seed"), rs.getString("space"), rs.getString("base_spec"),
                rs.getInt("trials_created"), instant(rs, "created_at"), instant(rs, "ended_at"));
    }

    private TrialResponse trial(ResultSet rs) throws SQLException {
        String state = rs.getString("state");
        return new TrialResponse(rs.getInt("number"), rs.getObject("run_id", Long.class),
                state == null ? null : JobStatus.valueOf(state), json.readTree(rs.getString("params")),
                rs.getObject("objective", Double.class), rs.getObject("step", Long.class), rs.getString("message"),
                rs.getString("worker_id"), instant(rs, "created_at"), instant(rs, "ended_at"));
    }

    private static ParallelCoordinates parallelCoordinates(Map<String, Distribution> space, Objective objective,
                                                           List<Trial> trials) {
        List<Trial> rows = trials.stream().filter(t -> t.response().objective() != null).toList();
        List<Dimension> dimensions = new ArrayList<>();
        Optional<TrialSpace> parsed = TrialSpace.parse(space, new ArrayList<>());
        for (Param param : parsed.map(s -> s.space().params()).orElse(List.of())) {
            List<Double> values = rows.stream().map(t -> t.samplerValues().get(param.name())).toList();
            if (param instanceof Param.Choice) {
                dimensions.add(new Dimension(param.name(), "categorical", null, space.get(param.name()).values(), values));
            } else {
                Distribution d = space.get(param.name());
                String scale = param instanceof Param.LogUniform ? "log" : "linear";
                dimensions.add(new Dimension(param.name(), scale, List.of(d.low(), d.high()), null, values));
            }
        }
        dimensions.add(new Dimension(objective.metric(), "linear", null, null,
                rows.stream().map(t -> t.response().objective()).toList()));
        return new ParallelCoordinates(rows.stream().map(t -> t.response().number()).toList(),
                rows.stream().map(t -> t.response().state()).toList(), dimensions);
    }

    private static Instant instant(ResultSet rs, String column) throws SQLException {
        Timestamp timestamp = rs.getTimestamp(column);
        return timestamp == null ? null : timestamp.toInstant();
    }
}
