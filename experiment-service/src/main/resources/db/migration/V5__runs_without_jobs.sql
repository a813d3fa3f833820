-- Runs created by MLflow clients log from the client's own process: no spec, no job, no trainer.
-- Such a run keeps its lifecycle on the run row; a run with a job keeps reading it from the job,
-- so these columns stay null for trainer runs.
alter table run alter column spec drop not null;
alter table run add column status     varchar(16);
alter table run add column started_at timestamptz;
alter table run add column ended_at   timestamptz;
-- MLflow's soft delete of a run (lifecycle_stage 'deleted'), for either kind of run.
alter table run add column deleted_at timestamptz;
alter table run add constraint run_status_ck
    check (status is null or status in ('QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED', 'PRUNED'));
