package dev.segplatform.experiment.run;

import dev.segplatform.experiment.api.JobStatus;
import java.util.List;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;

/**
 * Reads the live queue for {@code GET /api/queue}. The order is the claim's own ({@code queued_at, id},
 * see {@code PostgresJobQueue.claim}), served by the partial indexes on queued and running jobs, so a
 * position shown is the place a job really has for a worker that can run every model.
 */
@Component
class QueueViews {

    private final JdbcClient jdbc;

    QueueViews(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    @Transactional(readOnly = true)
    QueueResponse queue(int limit) {
        long[] counts = new long[2];
        jdbc.sql("select status, count(*) as n from job where status in ('QUEUED', 'RUNNING') group by status")
                .query(rs -> {
                    counts[rs.getString("status").equals("QUEUED") ? 0 : 1] = rs.getLong("n");
                });
        // Running first (position null), then queued with their 1-based place in claim order. The running
        // part comes first in the union so that the limit cuts queued jobs before running ones.
        List<QueueResponse.Job> jobs = jdbc.sql("""
                        select q.id as job_id, q.run_id, r.name as run_name, r.experiment_id,
                               e.name as experiment_name, q.status, q.position, q.worker_id, q.attempt, q.claims,
                               q.progress_epoch, q.progress_epochs, q.progress_step, q.progress_steps,
                               q.progress_images_per_second, q.progress_eta_seconds, q.progress_at,
                               r.created_at, q.started_at, q.lease_expires_at, q.cancel_requested
                        from (
                            (select j.*, 0 as part, null::int as position
                             from job j where j.status = 'RUNNING' order by j.queued_at, j.id limit :limit)
                            union all
                            (select j.*, 1 as part, row_number() over (order by j.queued_at, j.id)::int as position
                             from job j where j.status = 'QUEUED' order by j.queued_at, j.id limit :limit)
                        ) q
                        join run r on r.id = q.run_id
                        join experiment e on e.id = r.experiment_id
                        order by q.part, q.queued_at, q.id
                        limit :limit""")
                .param("limit", limit)
                .query((rs, n) -> new QueueResponse.Job(rs.getLong("job_id"), rs.getLong("run_id"), rs.getString("run_name"),
                        rs.getLong("experiment_id"), rs.getString("experiment_name"),
                        JobStatus.valueOf(rs.getString("status")), rs.getObject("position", Integer.class),
                        rs.getString("worker_id"), rs.getInt("attempt"), rs.getInt("claims"), RunViews.progress(rs),
                        RunViews.instant(rs, "created_at"), RunViews.instant(rs, "started_at"),
                        RunViews.instant(rs, "lease_expires_at"), rs.getBoolean("cancel_requested")))
                .list();
        return new QueueResponse(counts[0], counts[1], jobs);
    }
}
