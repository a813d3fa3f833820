package dev.segplatform.experiment.queue;

import dev.segplatform.experiment.api.HeartbeatResponse;
import dev.segplatform.experiment.api.JobClaim;
import dev.segplatform.experiment.api.JobStatus;
import dev.segplatform.experiment.api.Progress;
import dev.segplatform.experiment.api.RunSpec;
import dev.segplatform.experiment.api.WorkerCapabilities;
import java.util.Optional;
import java.util.UUID;

/**
 * The job queue behind the trainers' protocol. Each run has exactly one job; its status is the
 * run's status. A job is leased to one worker at a time; every worker write names the lease
 * token, and a write with a token that is no longer current changes nothing. Every claim is kept as
 * an attempt ({@code job_attempt}), opened by the claim and ended by whatever ends the claim
 * (complete, release, lease sweep), each in the same transaction as the change to the job.
 */
public interface JobQueue {

    /**
     * Queues the run's job, joining the caller's transaction so a run never exists without its job;
     * answers the job's id. The job starts at attempt 1 with no claims. Refuses with
     * {@code JobQueueFullException} when the queue is at capacity: the caller's transaction, and with
     * it the run, is then rolled back.
     */
    long enqueue(long runId, RunSpec spec);

    /** Leases the oldest queued job that fits the worker, or nothing when there is none. */
    default Optional<JobClaim> claim(String workerId, WorkerCapabilities capabilities) {
        return claim(workerId, capabilities, null);
    }

    /**
     * {@link #claim(String, WorkerCapabilities)}, repeatable: asked again with the same {@code requestId}
     * by the same worker while the lease it got is current, it answers that lease again (renewed from
     * now, no new attempt) instead of leasing another job. A worker whose answer was lost retries with
     * the same id and gets its job, which would otherwise stay leased to nobody until the lease lapsed
     * and cost an attempt. Null: an ordinary claim.
     */
    Optional<JobClaim> claim(String workerId, WorkerCapabilities capabilities, UUID requestId);

    /** Extends the lease and records progress; answers what the worker should do next. */
    HeartbeatResponse heartbeat(long jobId, UUID leaseToken, Progress progress);

    /** Finishes the job with a final outcome. */
    void complete(long jobId, UUID leaseToken, JobStatus outcome, String message);

    /**
     * A worker gives its job back unfinished, e.g. when shutting down after a checkpoint: the job is
     * queued again at once, so the next worker resumes instead of waiting for the lease to expire.
     * A hand-back is not a failure: {@code attempt} stays, only the claim count grows.
     */
    void release(long jobId, UUID leaseToken, String message);

    /** A user's cancel: a queued job ends at once, a running one is told on its next heartbeat. */
    void cancel(long runId);

    /**
     * A tuning study's pruner stops a trial: a running job is told PRUNE on its next heartbeat (and
     * ends PRUNED if its lease expires or it is given back meanwhile). Joins the caller's transaction
     * and never throws for a job that already ended or was cancelled: it answers whether the request
     * was recorded.
     */
    boolean requestPrune(long runId);

    /**
     * Fencing for worker writes to a run (metrics, params, artifacts), called inside the write's
     * transaction. With a token, the run's job must be running under that lease; without one, it
     * must not be running at all (a leased run only takes writes from its worker). The job row stays
     * share-locked and the run locked against deletion until the transaction ends, so neither the
     * lease nor the run can go away mid-write.
     */
    void guardWrite(long runId, UUID leaseToken);

    /** Re-queues jobs whose lease expired (or fails them after the last attempt); returns how many. */
    int sweepExpiredLeases();
}
