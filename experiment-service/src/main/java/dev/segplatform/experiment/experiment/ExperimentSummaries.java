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
 * {@code val_mean_iou} and the last activity. Read from what the triggers of migration V10 keep as runs,
 * jobs and latest values change, never by grouping an experiment's runs: the counts are the sums of
 * {@code run_count_delta}, the best value and the last activity are the first entries of
 * {@code run_summary}'s per-experiment indexes. A run an MLflow client logged has no job and keeps its
 * status on the run row; runs deleted through MLflow are not counted.
 */
@Component
class ExperimentSummaries {

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
                            select experiment_id, status, sum(delta) as runs from run_count_delta
                            where experiment_id in (:ids)
                            group by experiment_id, status""")
                    .param("ids", ids)
                    .query(rs -> {
                        counts.computeIfAbsent(rs.getLong("experiment_id"), k -> new EnumMap<>(JobStatus.class))
                                .put(JobStatus.valueOf(rs.getString("status")), rs.getLong("runs"));
                    });
            // Each is one step into an index ordered within the experiment; NaN sorts above every number
            // in PostgreSQL, so the best index leaves it out.
            jdbc.sql("""
                            select e.id,
                                   (select s.val_mean_iou from run_summary s
                                    where s.experiment_id = e.id and s.live and s.val_mean_iou <> 'NaN'
                                    order by s.val_mean_iou desc limit 1) as best,
                                   (select s.activity_at from run_summary s
                                    where s.experiment_id = e.id and s.live
                                    order by s.activity_at desc limit 1) as last_activity
                            from experiment e
                            where e.id in (:ids)""")
                    .param("ids", ids)
                    .query(rs -> {
                        long id = rs.getLong("id");
                        double value = rs.getDouble("best");
                        if (!rs.wasNull()) {
                            best.put(id, value);
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
