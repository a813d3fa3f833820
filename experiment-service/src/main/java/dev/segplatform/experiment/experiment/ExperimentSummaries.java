package dev.segplatform.experiment.experiment;

import dev.segplatform.experiment.api.JobStatus;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.Collection;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;

/**
 * What the experiment list shows beside each name: runs counted by status, the best latest
 * {@code val_mean_iou} and the last activity. One grouped query for a whole page of experiments,
 * walking each experiment's runs by {@code run_experiment_idx}, the job by its unique run id and the
 * latest value by {@code latest_metric}'s key; nothing scans metric history. A run an MLflow client
 * logged has no job and keeps its status on the run row; runs deleted through MLflow are not counted.
 */
@Component
class ExperimentSummaries {

    /** The metric the list ranks by: the trainer's validation mean IoU. */
    static final String BEST_METRIC = "val_mean_iou";

    /**
     * @param runCounts      every status, zero included, in lifecycle order
     * @param bestValMeanIou the highest latest {@code val_mean_iou} of any run (NaN ignored); null when none
     * @param lastActivityAt the newest of the experiment's own update and its runs' creation, first start,
     *                       last worker heartbeat and end (a heartbeat comes every few seconds while a run
     *                       trains; metric points are not looked at)
     */
    record Summary(Map<JobStatus, Long> runCounts, Double bestValMeanIou, Instant lastActivityAt) {
    }

    private final JdbcClient jdbc;

    ExperimentSummaries(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /** The summaries of these experiments (with {@code updatedAt} as each one's own activity). */
    @Transactional(readOnly = true)
    Map<Long, Summary> of(Map<Long, Instant> updatedAt) {
        Map<Long, Map<JobStatus, Long>> counts = new HashMap<>();
        Map<Long, Double> best = new HashMap<>();
        Map<Long, Instant> last = new HashMap<>(updatedAt);
        Collection<Long> ids = updatedAt.keySet();
        if (!ids.isEmpty()) {
            jdbc.sql("""
                            select r.experiment_id, coalesce(j.status, r.status) as status, count(*) as runs,
                                   max(lm.value) filter (where lm.value <> 'NaN') as best,
                                   max(greatest(r.created_at, j.started_at, j.heartbeat_at, j.ended_at,
                                                r.started_at, r.ended_at)) as last_activity
                            from run r
                            left join job j on j.run_id = r.id
                            left join latest_metric lm on lm.run_id = r.id and lm.key = :metric
                            where r.experiment_id in (:ids) and r.deleted_at is null
                            group by r.experiment_id, coalesce(j.status, r.status)""")
                    .param("metric", BEST_METRIC)
                    .param("ids", ids)
                    .query(rs -> {
                        long id = rs.getLong("experiment_id");
                        counts.computeIfAbsent(id, k -> new EnumMap<>(JobStatus.class))
                                .put(JobStatus.valueOf(rs.getString("status")), rs.getLong("runs"));
                        double value = rs.getDouble("best");
                        if (!rs.wasNull()) {
                            best.merge(id, value, Math::max);
                        }
                        Timestamp activity = rs.getTimestamp("last_activity");
                        if (activity != null) {
                            last.merge(id, activity.toInstant(), (a, b) -> a.isAfter(b) ? a : b);
                        }
                    });
        }
        Map<Long, Summary> summaries = new HashMap<>();
        for (Long id : ids) {
            Map<JobStatus, Long> byStatus = new EnumMap<>(JobStatus.class);
            for (JobStatus status : JobStatus.values()) {
                byStatus.put(status, counts.getOrDefault(id, Map.of()).getOrDefault(status, 0L));
            }
            summaries.put(id, new Summary(byStatus, best.get(id), last.get(id)));
        }
        return summaries;
    }
}
