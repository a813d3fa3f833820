package dev.segplatform.experiment.queue;

import dev.segplatform.experiment.api.HeartbeatResponse;
import dev.segplatform.experiment.api.JobAction;
import dev.segplatform.experiment.api.JobClaim;
import dev.segplatform.experiment.api.JobStatus;
import dev.segplatform.experiment.api.ModelArchitecture;
import dev.segplatform.experiment.api.Progress;
import dev.segplatform.experiment.api.RunSpec;
import dev.segplatform.experiment.api.WorkerCapabilities;
import dev.segplatform.experiment.config.ExperimentProperties;
import dev.segplatform.experiment.problem.ConflictException;
import dev.segplatform.experiment.problem.NotFoundException;
import dev.segplatform.experiment.problem.JobQueueFullException;
import dev.segplatform.experiment.problem.StaleLeaseException;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@link JobQueue} on PostgreSQL. Claims use {@code FOR UPDATE SKIP LOCKED}, so concurrent claimers
 * never wait on each other's candidate row and never take the same job; lease deadlines use the
 * database clock, so workers' clocks do not matter.
 */
@Repository
class PostgresJobQueue implements JobQueue {

    private static final Duration RETRY_AFTER_FULL = Duration.ofSeconds(30);

    private final JdbcClient jdbc;
    private final JsonMapper json;
    private final ExperimentProperties properties;

    PostgresJobQueue(JdbcClient jdbc, JsonMapper json, ExperimentProperties properties) {
        this.jdbc = jdbc;
        this.json = json;
        this.properties = properties;
    }

    @Override
    @Transactional(propagation = Propagation.MANDATORY)
    public long enqueue(long runId, RunSpec spec) {
        // The capacity check rides in the insert, so a create costs the queue one round trip. It sums
        // the count of QUEUED jobs that the job table's triggers keep as deltas (migration V10) rather
        // than walking every queued job's index entry.
        return jdbc.sql("""
                        insert into job (run_id, status, model, devices, queued_at)
                        select :runId, 'QUEUED', :model, :devices, now()
                        where (select coalesce(sum(delta), 0) from queued_job_delta) < :capacity
                        returning id""")
                .param("runId", runId)
                .param("model", spec.model().wireName())
                .param("devices", spec.devices())
                .param("capacity", properties.maxQueuedJobs())
                .query(Long.class).optional()
                .orElseThrow(() -> new JobQueueFullException(properties.maxQueuedJobs(), RETRY_AFTER_FULL));
    }

    @Override
    @Transactional
    public Optional<JobClaim> claim(String workerId, WorkerCapabilities capabilities, UUID requestId) {
        if (requestId != null) {
            // A delivery of the same request that is still in its transaction (a retry sent after the
            // client's timeout, before this commit) leaves no lease this one can see yet, and this
            // one would lease a second job. Both take turns on a lock of the worker and request id,
            // released at commit, so the later one finds the earlier one's lease.
            jdbc.sql("select pg_advisory_xact_lock(hashtextextended(:key, 0))")
                    .param("key", workerId + '\n' + requestId)
                    .query((rs, row) -> row).list();
            Optional<JobClaim> replayed = replay(workerId, requestId);
            if (replayed.isPresent()) {
                return replayed;
            }
        }
        WorkerCapabilities caps = capabilities == null ? WorkerCapabilities.ANY : capabilities;
        List<String> models = caps.models() == null || caps.models().isEmpty()
                ? List.of(ModelArchitecture.values()).stream().map(ModelArchitecture::wireName).toList()
                : caps.models().stream().map(ModelArchitecture::wireName).toList();
        UUID token = UUID.randomUUID();
        return jdbc.sql("""
                        with next as (
                            select id from job
                            where status = 'QUEUED' and model in (:models) and devices <= :maxDevices
                            order by queued_at, id
                            limit 1
                            for update skip locked),
                        claimed as (
                        update job j
                        set status = 'RUNNING', lease_token = :token, worker_id = :worker, claim_request = :request,
                            lease_expires_at = now() + make_interval(secs => :leaseSeconds),
                            started_at = coalesce(j.started_at, now()), heartbeat_at = now(),
                            claims = j.claims + 1,
                            -- Progress of an earlier worker is not this one: a resumed run shows none
                            -- until the new worker sends its first heartbeat.
                            progress_epoch = null, progress_epochs = null, progress_step = null,
                            progress_steps = null, progress_images_per_second = null,
                            progress_eta_seconds = null, progress_at = null
                        from next
                        where j.id = next.id
                        returning j.id, j.run_id, j.attempt, j.claims, j.lease_token, j.lease_expires_at, j.worker_id),
                        -- The attempt history gains the claim in the same statement, so neither exists without
                        -- the other.
                        opened as (
                            insert into job_attempt (run_id, job_id, claim, worker_id, claimed_at, outcome)
                            select c.run_id, c.id, c.claims, c.worker_id, now(), 'RUNNING' from claimed c)
                        select c.id, c.run_id, c.attempt, c.claims, c.lease_token, c.lease_expires_at, r.experiment_id, r.spec
                        from claimed c join run r on r.id = c.run_id""")
                .param("models", models)
                .param("maxDevices", caps.maxDevicesOrDefault())
                .param("token", token)
                .param("worker", workerId)
                .param("request", requestId)
                .param("leaseSeconds", leaseSeconds())
                .query(this::jobClaim)
                .optional();
    }

    /** The current lease an earlier claim with this request id and worker got, renewed as a heartbeat would. */
    private Optional<JobClaim> replay(String workerId, UUID requestId) {
        return jdbc.sql("""
                        with replayed as (
                            update job
                            set lease_expires_at = now() + make_interval(secs => :leaseSeconds), heartbeat_at = now()
                            where claim_request = :request and worker_id = :worker and status = 'RUNNING'
                              and lease_expires_at > now()
                            returning id, run_id, attempt, claims, lease_token, lease_expires_at)
                        select c.id, c.run_id, c.attempt, c.claims, c.lease_token, c.lease_expires_at, r.experiment_id, r.spec
                        from replayed c join run r on r.id = c.run_id""")
                .param("leaseSeconds", leaseSeconds())
                .param("request", requestId)
                .param("worker", workerId)
                .query(this::jobClaim)
                .optional();
    }

    /** A row of a claim's or replay's answer: the job's lease columns, its run's experiment and spec. */
    private JobClaim jobClaim(ResultSet rs, int row) throws SQLException {
        return new JobClaim(rs.getLong("id"), rs.getLong("run_id"), rs.getLong("experiment_id"), rs.getInt("attempt"),
                rs.getInt("claims"), rs.getObject("lease_token", UUID.class), rs.getTimestamp("lease_expires_at").toInstant(),
                json.readValue(rs.getString("spec"), RunSpec.class));
    }

    @Override
    @Transactional
    public HeartbeatResponse heartbeat(long jobId, UUID leaseToken, Progress progress) {
        Progress p = progress == null ? new Progress(null, null, null, null, null, null) : progress;
        return jdbc.sql("""
                        update job
                        set lease_expires_at = now() + make_interval(secs => :leaseSeconds), heartbeat_at = now(),
                            progress_epoch = coalesce(:epoch, progress_epoch),
                            progress_epochs = coalesce(:epochs, progress_epochs),
                            progress_step = coalesce(:step, progress_step),
                            progress_steps = coalesce(:steps, progress_steps),
                            progress_images_per_second = coalesce(:ips, progress_images_per_second),
                            progress_eta_seconds = coalesce(:eta, progress_eta_seconds),
                            progress_at = case when :hasProgress then now() else progress_at end
                        where id = :id and lease_token = :token and status = 'RUNNING'
                        returning cancel_requested, prune_requested, lease_expires_at""")
                .param("leaseSeconds", leaseSeconds())
                .param("epoch", p.epoch(), java.sql.Types.INTEGER)
                .param("epochs", p.epochs(), java.sql.Types.INTEGER)
                .param("step", p.step(), java.sql.Types.BIGINT)
                .param("steps", p.stepsPerEpoch(), java.sql.Types.BIGINT)
                .param("ips", p.imagesPerSecond(), java.sql.Types.DOUBLE)
                .param("eta", p.etaSeconds(), java.sql.Types.DOUBLE)
                .param("hasProgress", progress != null)
                .param("id", jobId)
                .param("token", leaseToken)
                .query((rs, n) -> new HeartbeatResponse(
                        rs.getBoolean("cancel_requested") ? JobAction.CANCEL
                                : rs.getBoolean("prune_requested") ? JobAction.PRUNE : JobAction.CONTINUE,
                        rs.getTimestamp("lease_expires_at").toInstant()))
                .optional()
                .orElseThrow(() -> staleOrMissing(jobId));
    }

    @Override
    @Transactional
    public void complete(long jobId, UUID leaseToken, JobStatus outcome, String message) {
        // The outcome is final (CompleteRequest checks it), so the attempt ends with it: nothing is re-queued.
        long updated = jdbc.sql("""
                        with done as (
                            update job
                            set status = :outcome, message = :message, ended_at = now(),
                                lease_token = null, lease_expires_at = null
                            where id = :id and lease_token = :token and status = 'RUNNING'
                            returning run_id, claims, status, message, ended_at)
                        """ + endAttempt("QUEUED") + """
                        select count(*) from done""")
                .param("outcome", outcome.name())
                .param("message", message)
                .param("id", jobId)
                .param("token", leaseToken)
                .query(Long.class).single();
        if (updated == 0) {
            throw staleOrMissing(jobId);
        }
    }

    @Override
    @Transactional
    public void release(long jobId, UUID leaseToken, String message) {
        // attempt stays: a worker that hands its job back on shutdown did not fail it, so a rolling
        // update of every trainer cannot use up a healthy job's attempts. claims still counts it.
        long updated = jdbc.sql("""
                        with done as (
                            update job
                            set status = case when cancel_requested then 'CANCELLED'
                                              when prune_requested then 'PRUNED' else 'QUEUED' end,
                                ended_at = case when cancel_requested or prune_requested then now() end,
                                message = :message, lease_token = null, lease_expires_at = null, worker_id = null
                            where id = :id and lease_token = :token and status = 'RUNNING'
                            returning run_id, claims, status, message, now() as ended_at)
                        """ + endAttempt("RELEASED") + """
                        select count(*) from done""")
                .param("message", message)
                .param("id", jobId)
                .param("token", leaseToken)
                .query(Long.class).single();
        if (updated == 0) {
            throw staleOrMissing(jobId);
        }
    }

    @Override
    @Transactional
    public void cancel(long runId) {
        String status = jdbc.sql("select status from job where run_id = :runId for update")
                .param("runId", runId).query(String.class).optional()
                .orElseThrow(() -> new NotFoundException("run", runId));
        switch (JobStatus.valueOf(status)) {
            case QUEUED -> jdbc.sql("""
                            update job set status = 'CANCELLED', ended_at = now(), message = 'cancelled before it started'
                            where run_id = :runId""")
                    .param("runId", runId).update();
            case RUNNING -> jdbc.sql("update job set cancel_requested = true where run_id = :runId")
                    .param("runId", runId).update();
            default -> throw new ConflictException("run " + runId + " already ended as " + status);
        }
    }

    @Override
    @Transactional
    public boolean requestPrune(long runId) {
        return jdbc.sql("""
                        update job set prune_requested = true
                        where run_id = :runId and status = 'RUNNING' and not cancel_requested""")
                .param("runId", runId)
                .update() > 0;
    }

    @Override
    @Transactional(propagation = Propagation.MANDATORY)
    public void guardWrite(long runId, UUID leaseToken) {
        record Lease(String status, UUID token) {
        }
        // The run is key-share locked too, in both branches: metric points have no foreign key (V12),
        // so this lock is what keeps the run from being deleted while its points go in.
        Lease lease = jdbc.sql("""
                        select j.status, j.lease_token from job j join run r on r.id = j.run_id
                        where j.run_id = :runId for share of j for key share of r""")
                .param("runId", runId)
                .query((rs, n) -> new Lease(rs.getString("status"), rs.getObject("lease_token", UUID.class)))
                .optional()
                .orElse(null);
        if (lease == null) {
            // A run without a job (an MLflow client's) has no lease: its client is its only writer.
            jdbc.sql("select id from run where id = :runId for share").param("runId", runId).query(Long.class)
                    .optional().orElseThrow(() -> new NotFoundException("run", runId));
            if (leaseToken != null) {
                throw new ConflictException("run " + runId + " has no job, so no lease; send no "
                        + "X-Lease-Token");
            }
            return;
        }
        boolean running = JobStatus.RUNNING.name().equals(lease.status());
        if (leaseToken != null && !(running && leaseToken.equals(lease.token()))) {
            throw new StaleLeaseException(jobIdOf(runId));
        }
        if (leaseToken == null && running) {
            throw new ConflictException("run " + runId
                    + " is being trained by a worker; only writes with its lease token are accepted");
        }
    }

    @Override
    @Transactional
    public int sweepExpiredLeases() {
        // Cancelled and pruned runs end, runs out of attempts fail, the rest go back to the queue keeping their
        // original queued_at, so a resumed job is next in line rather than behind newer work.
        long swept = jdbc.sql("""
                        with done as (
                        update job
                        set status = case when cancel_requested then 'CANCELLED'
                                          when prune_requested then 'PRUNED'
                                          when attempt >= :maxAttempts then 'FAILED'
                                          else 'QUEUED' end,
                            message = case when cancel_requested then 'cancelled; the worker stopped answering'
                                           when prune_requested then 'pruned; the worker stopped answering'
                                           when attempt >= :maxAttempts then 'lease expired on attempt ' || attempt
                                                || ' of ' || :maxAttempts || '; the worker stopped answering'
                                           else message end,
                            ended_at = case when cancel_requested or prune_requested or attempt >= :maxAttempts
                                            then now() end,
                            attempt = case when cancel_requested or prune_requested or attempt >= :maxAttempts
                                           then attempt
                                           else attempt + 1 end,
                            lease_token = null, lease_expires_at = null, worker_id = null
                        where status = 'RUNNING' and lease_expires_at < now()
                        returning run_id, claims, status,
                                  case when status = 'QUEUED' then 'lease expired; the worker stopped answering'
                                       else message end as message,
                                  now() as ended_at)
                        """ + endAttempt("LEASE_EXPIRED") + """
                        select count(*) from done""")
                .param("maxAttempts", properties.maxAttempts())
                .query(Long.class).single();
        return Math.toIntExact(swept);
    }

    private RuntimeException staleOrMissing(long jobId) {
        boolean exists = jdbc.sql("select count(*) from job where id = :id").param("id", jobId)
                .query(Long.class).single() > 0;
        return exists ? new StaleLeaseException(jobId) : new NotFoundException("job", jobId);
    }

    private long jobIdOf(long runId) {
        return jdbc.sql("select id from job where run_id = :runId").param("runId", runId).query(Long.class).single();
    }

    /**
     * Ends the open attempt of each job in {@code done} (run_id, claims, status, message, ended_at: the
     * job as the statement left it), in the statement that ended the claim, so the history never
     * disagrees with the job. The attempt's outcome is what became of the job; a job back in the queue
     * names why instead ({@code RELEASED} for a hand-back, {@code LEASE_EXPIRED} for the sweeper). A job
     * that was running before attempts were recorded (migration V4) has no open attempt: nothing to end.
     */
    private static String endAttempt(String requeued) {
        return """
                , ended as (
                    update job_attempt a
                    set ended_at = d.ended_at, message = d.message,
                        outcome = case when d.status = 'QUEUED' then '%s' else d.status end
                    from done d
                    where a.run_id = d.run_id and a.claim = d.claims and a.ended_at is null)
                """.formatted(requeued);
    }

    private double leaseSeconds() {
        return properties.leaseDuration().toMillis() / 1000.0;
    }
}
