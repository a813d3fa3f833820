-- A run's attempt history: one row per claim of its job, written in the same transaction as the
-- claim, and ended in the transaction of whatever ended that claim (complete, release, lease sweep).
-- History starts with this migration: a job claimed before it has no rows for those claims.
create table job_attempt (
    run_id     bigint       not null references run (id) on delete cascade,
    job_id     bigint       not null references job (id) on delete cascade,
    -- 1..n, the job's claims count at the time of the claim.
    claim      int          not null,
    worker_id  varchar(256),
    claimed_at timestamptz  not null,
    -- Null while the worker holds the claim.
    ended_at   timestamptz,
    -- RUNNING while held; then what became of the job (SUCCEEDED, FAILED, CANCELLED, PRUNED), or, when it
    -- went back to the queue, why: RELEASED (a graceful hand-back) or LEASE_EXPIRED (the sweeper took it).
    outcome    varchar(16)  not null,
    message    text,
    -- The primary key serves both the history of a run (ordered by claim) and ending the open claim,
    -- which is always (run_id, job.claims).
    primary key (run_id, claim)
);
