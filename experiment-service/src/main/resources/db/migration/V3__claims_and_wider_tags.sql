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

-- A btree entry holds at most about 2700 bytes, so the (key, value) index refused params of up to
-- experiment.limits.param-value-length (8000) characters that do not compress, as a server error.
-- A hash index stores only the value's hash: any length fits, and it still serves the equality
-- filters of run search (params.model = 'unet').
drop index run_param_key_value_idx;
create index run_param_value_idx on run_param using hash (value);
