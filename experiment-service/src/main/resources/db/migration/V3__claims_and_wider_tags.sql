-- A graceful hand-back (release) is not a failure, so it no longer spends an attempt; how often a
-- job was taken by a worker is counted on its own, and that count (not attempt) tells a worker to
-- resume from a checkpoint.
alter table job add column claims int not null default 0;
-- Before this, attempt counted every claim (releases included): jobs that ever started were claimed
-- attempt times, or attempt - 1 times if they are queued again.
update job set claims = case when started_at is null then 0
                             when status = 'QUEUED' then attempt - 1
                             else attempt end;

-- Tag values up to MLflow's 8000 characters (experiment.limits.tag-value-length may lower it).
alter table experiment_tag alter column value type varchar(8000);
alter table run_tag alter column value type varchar(8000);
