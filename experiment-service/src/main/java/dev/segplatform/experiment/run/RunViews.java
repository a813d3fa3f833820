package dev.segplatform.experiment.run;

import dev.segplatform.experiment.api.JobStatus;
import dev.segplatform.experiment.api.RunSpec;
import dev.segplatform.experiment.problem.NotFoundException;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reads runs for the API: the run, its job, params, tags and latest metrics, in two queries
 * for any number of runs, so a page of search results costs the same as one run.
 */
@Component
public class RunViews {

    private final JdbcClient jdbc;
    private final JsonMapper json;

    RunViews(JdbcClient jdbc, JsonMapper json) {
        this.jdbc = jdbc;
        this.json = json;
    }

    @Transactional(readOnly = true)
    public RunResponse get(long runId) {
        List<RunResponse> runs = load(List.of(runId));
        if (runs.isEmpty()) {
            throw new NotFoundException("run", runId);
        }
        return runs.get(0);
    }

    /** The runs with these ids, in the order given; unknown ids are left out. */
    @Transactional(readOnly = true)
    public List<RunResponse> load(Collection<Long> ids) {
        if (ids.isEmpty()) {
            return List.of();
        }
        // Params, tags and latest metrics in one round trip: on a busy machine each query costs a wait.
        Map<Long, Map<String, String>> params = new HashMap<>();
        Map<Long, Map<String, String>> tags = new HashMap<>();
        Map<Long, Map<String, RunResponse.LatestMetric>> metrics = new HashMap<>();
        jdbc.sql("""
                        select 'p' as kind, run_id, key, value as text, null::double precision as value,
                               null::bigint as step, null::bigint as timestamp_ms
                        from run_param where run_id in (:ids)
                        union all
                        select 't', run_id, key, value, null, null, null from run_tag where run_id in (:ids)
                        union all
                        select 'm', run_id, key, null, value, step, timestamp_ms from latest_metric where run_id in (:ids)""")
                .param("ids", ids)
                .query(rs -> {
                    long runId = rs.getLong("run_id");
                    String key = rs.getString("key");
                    switch (rs.getString("kind")) {
                        case "p" -> params.computeIfAbsent(runId, id -> new TreeMap<>()).put(key, rs.getString("text"));
                        case "t" -> tags.computeIfAbsent(runId, id -> new TreeMap<>()).put(key, rs.getString("text"));
                        default -> metrics.computeIfAbsent(runId, id -> new TreeMap<>()).put(key,
                                new RunResponse.LatestMetric(rs.getDouble("value"), rs.getLong("step"),
                                        rs.getLong("timestamp_ms")));
                    }
                });
        Map<Long, RunResponse> byId = new HashMap<>();
        jdbc.sql("""
                        select r.id, r.experiment_id, r.name, r.spec, r.created_at, r.deleted_at,
                               j.id as job_id, coalesce(j.status, r.status) as status, coalesce(j.attempt, 0) as attempt,
                               coalesce(j.claims, 0) as claims, j.worker_id,
                               coalesce(j.cancel_requested, false) as cancel_requested, j.message,
                               coalesce(j.started_at, r.started_at) as started_at,
                               coalesce(j.ended_at, r.ended_at) as ended_at,
                               j.progress_epoch, j.progress_epochs, j.progress_step,
                               j.progress_steps, j.progress_images_per_second, j.progress_eta_seconds, j.progress_at
                        from run r left join job j on j.run_id = r.id
                        where r.id in (:ids)""")
                .param("ids", ids)
                .query(rs -> {
                    long id = rs.getLong("id");
                    String spec = rs.getString("spec");
                    byId.put(id, new RunResponse(id, rs.getLong("experiment_id"), rs.getObject("job_id", Long.class),
                            rs.getString("name"), JobStatus.valueOf(rs.getString("status")),
                            spec == null ? null : json.readValue(spec, RunSpec.class),
                            params.getOrDefault(id, Map.of()), tags.getOrDefault(id, Map.of()),
                            metrics.getOrDefault(id, Map.of()), progress(rs), rs.getInt("attempt"), rs.getInt("claims"),
                            rs.getString("worker_id"), rs.getBoolean("cancel_requested"), rs.getString("message"),
                            instant(rs, "created_at"), instant(rs, "started_at"), instant(rs, "ended_at"),
                            instant(rs, "deleted_at")));
                });
        List<RunResponse> ordered = new ArrayList<>(ids.size());
        for (Long id : ids) {
            RunResponse run = byId.get(id);
            if (run != null) {
                ordered.add(run);
            }
        }
        return ordered;
    }

    /** Every claim of the run's job, oldest first. */
    @Transactional(readOnly = true)
    public List<RunAttempt> attempts(long runId) {
        boolean exists = jdbc.sql("select count(*) from run where id = :id").param("id", runId)
                .query(Long.class).single() > 0;
        if (!exists) {
            throw new NotFoundException("run", runId);
        }
        return jdbc.sql("""
                        select claim, worker_id, claimed_at, ended_at, outcome, message
                        from job_attempt where run_id = :runId order by claim""")
                .param("runId", runId)
                .query((rs, n) -> new RunAttempt(rs.getInt("claim"), rs.getString("worker_id"),
                        instant(rs, "claimed_at"), instant(rs, "ended_at"),
                        RunAttempt.Outcome.valueOf(rs.getString("outcome")), rs.getString("message")))
                .list();
    }

    static RunResponse.RunProgress progress(ResultSet rs) throws SQLException {
        Instant at = instant(rs, "progress_at");
        if (at == null) {
            return null;
        }
        return new RunResponse.RunProgress(rs.getObject("progress_epoch", Integer.class),
                rs.getObject("progress_epochs", Integer.class), rs.getObject("progress_step", Long.class),
                rs.getObject("progress_steps", Long.class), rs.getObject("progress_images_per_second", Double.class),
                rs.getObject("progress_eta_seconds", Double.class), at);
    }

    static Instant instant(ResultSet rs, String column) throws SQLException {
        Timestamp timestamp = rs.getTimestamp(column);
        return timestamp == null ? null : timestamp.toInstant();
    }
}
