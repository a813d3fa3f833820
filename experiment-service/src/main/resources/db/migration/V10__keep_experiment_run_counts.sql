-- The experiment list at 100,000 runs (issue #20): what each experiment shows beside its name (runs by
-- status, best latest val_mean_iou, last activity) and the queue-full check, kept by triggers as the
-- data changes, so neither groups or counts every run on a read. Triggers rather than Java, so every
-- writer (the queue, MLflow's API, studies, deletes, a hand-written statement) keeps them right.
-- docs/architecture.md ("Experiment list at scale") has the reasoning and the figures.

-- One row per run: the run as the list sees it. Each run has one writer at a time, so keeping this row
-- costs no contention between runs; the two partial indexes answer "best" and "last activity" of an
-- experiment as the first entry of an index walk instead of a scan of its runs. A max kept per
-- experiment would not do: the best falls when the best run is deleted or its latest value drops.
create table run_summary (
    run_id        bigint           primary key references run (id) on delete cascade,
    experiment_id bigint           not null,
    -- coalesce(job.status, run.status): a trainer run's lifecycle is its job's, an MLflow run's its own.
    -- Null only inside the transaction that creates a trainer run, before its job exists.
    status        varchar(16),
    -- run.deleted_at is null
    live          boolean          not null,
    -- The latest val_mean_iou (the trainer's validation mean IoU, which the list ranks by), null when none.
    val_mean_iou  double precision,
    -- greatest(created, started, last heartbeat, ended) of the run and its job.
    activity_at   timestamptz      not null
);
create index run_summary_best_idx on run_summary (experiment_id, val_mean_iou)
    where live and val_mean_iou <> 'NaN';
create index run_summary_activity_idx on run_summary (experiment_id, activity_at) where live;

-- Runs per experiment and effective status, as deltas summed on read. Many runs created at once in one
-- experiment would otherwise all update one counter row and wait on its lock, each until the one
-- before it commits; appended rows take no lock that another writer needs. compact_counts() (called
-- every experiment.count-compaction-interval) folds each (experiment, status) back into one row.
create table run_count_delta (
    experiment_id bigint      not null,
    status        varchar(16) not null,
    delta         bigint      not null
);
create index run_count_delta_experiment_idx on run_count_delta (experiment_id, status);

-- Jobs in status QUEUED (any run, deleted or not: what the claim can take), for the queue-full check;
-- deltas for the same reason, compacted by the same function.
create table queued_job_delta (
    delta bigint not null
);

-- Recomputes one run's summary from run, job and latest_metric. The row lock comes first: a maintainer
-- that had to wait for it starts its recomputation after the holder committed, so it sees the holder's
-- change as well as its own, and the last writer of a run always leaves the row true. A run that is no
-- longer there (deleted in this statement) is left to the cascade that deletes its summary.
create function refresh_run_summary(p_run_id bigint) returns void language plpgsql as $$
begin
    perform 1 from run_summary where run_id = p_run_id for update;
    insert into run_summary as s (run_id, experiment_id, status, live, val_mean_iou, activity_at)
    select r.id, r.experiment_id, coalesce(j.status, r.status), r.deleted_at is null, lm.value,
           greatest(r.created_at, j.started_at, j.heartbeat_at, j.ended_at, r.started_at, r.ended_at)
    from run r
    left join job j on j.run_id = r.id
    left join latest_metric lm on lm.run_id = r.id and lm.key = 'val_mean_iou'
    where r.id = p_run_id
    on conflict (run_id) do update
    set experiment_id = excluded.experiment_id, status = excluded.status, live = excluded.live,
        val_mean_iou = excluded.val_mean_iou, activity_at = excluded.activity_at
    where (s.experiment_id, s.status, s.live, s.val_mean_iou, s.activity_at)
          is distinct from (excluded.experiment_id, excluded.status, excluded.live, excluded.val_mean_iou,
                            excluded.activity_at);
end $$;

create function run_summary_of_run() returns trigger language plpgsql as $$
begin
    perform refresh_run_summary(new.id);
    return null;
end $$;

-- For rows of job and latest_metric, which name their run in run_id.
create function run_summary_of_run_row() returns trigger language plpgsql as $$
begin
    if tg_op <> 'DELETE' then
        perform refresh_run_summary(new.run_id);
    end if;
    if tg_op = 'DELETE' or old.run_id <> new.run_id then
        perform refresh_run_summary(old.run_id);
    end if;
    return null;
end $$;

-- A summary that enters, leaves or moves between (experiment, status) while live adds its -1 and +1.
create function count_run_summary() returns trigger language plpgsql as $$
begin
    if tg_op <> 'INSERT' and old.live and old.status is not null then
        insert into run_count_delta (experiment_id, status, delta) values (old.experiment_id, old.status, -1);
    end if;
    if tg_op <> 'DELETE' and new.live and new.status is not null then
        insert into run_count_delta (experiment_id, status, delta) values (new.experiment_id, new.status, 1);
    end if;
    return null;
end $$;

create function count_queued_job() returns trigger language plpgsql as $$
begin
    insert into queued_job_delta (delta)
    values (case when tg_op <> 'DELETE' and new.status = 'QUEUED' then 1 else 0 end
            - case when tg_op <> 'INSERT' and old.status = 'QUEUED' then 1 else 0 end);
    return null;
end $$;

-- Folds the deltas of each (experiment, status), and the queued jobs', into one row. Rows that writers
-- commit meanwhile are not in this statement's snapshot, so they are neither deleted nor summed: the
-- totals never change, and writers never wait on this.
create function compact_counts() returns void language sql as $$
    with busy as (
        select experiment_id, status from run_count_delta
        group by experiment_id, status having count(*) > 1 or sum(delta) = 0),
    gone as (
        delete from run_count_delta d using busy b
        where d.experiment_id = b.experiment_id and d.status = b.status
        returning d.experiment_id, d.status, d.delta)
    insert into run_count_delta (experiment_id, status, delta)
    select experiment_id, status, sum(delta) from gone group by experiment_id, status having sum(delta) <> 0;

    with gone as (delete from queued_job_delta returning delta)
    insert into queued_job_delta (delta) select sum(delta) from gone having sum(delta) <> 0;
$$;

-- Backfill: the service is not running while Flyway migrates, so nothing writes meanwhile.
insert into run_summary (run_id, experiment_id, status, live, val_mean_iou, activity_at)
select r.id, r.experiment_id, coalesce(j.status, r.status), r.deleted_at is null, lm.value,
       greatest(r.created_at, j.started_at, j.heartbeat_at, j.ended_at, r.started_at, r.ended_at)
from run r
left join job j on j.run_id = r.id
left join latest_metric lm on lm.run_id = r.id and lm.key = 'val_mean_iou';
insert into run_count_delta (experiment_id, status, delta)
select experiment_id, status, count(*) from run_summary
where live and status is not null
group by experiment_id, status;
insert into queued_job_delta (delta)
select count(*) from job where status = 'QUEUED' having count(*) > 0;

-- Run: its insert, and a change of what its summary shows (JPA writes every column on each save).
create trigger run_summary_insert after insert on run
    for each row execute function run_summary_of_run();
create trigger run_summary_update after update on run
    for each row
    when ((old.experiment_id, old.status, old.deleted_at, old.created_at, old.started_at, old.ended_at)
          is distinct from (new.experiment_id, new.status, new.deleted_at, new.created_at, new.started_at,
                            new.ended_at))
    execute function run_summary_of_run();
-- Job: created, status or times changed (a heartbeat is activity), deleted (the run falls back to its
-- own status; when the run itself is deleted, the summary's cascade has counted it out).
create trigger job_run_summary_insert_delete after insert or delete on job
    for each row execute function run_summary_of_run_row();
create trigger job_run_summary_update after update on job
    for each row
    when ((old.run_id, old.status, old.started_at, old.heartbeat_at, old.ended_at)
          is distinct from (new.run_id, new.status, new.started_at, new.heartbeat_at, new.ended_at))
    execute function run_summary_of_run_row();
-- The latest val_mean_iou; other keys are filtered out before any function runs.
create trigger latest_metric_run_summary_insert after insert on latest_metric
    for each row when (new.key = 'val_mean_iou') execute function run_summary_of_run_row();
create trigger latest_metric_run_summary_update after update on latest_metric
    for each row when (new.key = 'val_mean_iou' or old.key = 'val_mean_iou')
    execute function run_summary_of_run_row();
create trigger latest_metric_run_summary_delete after delete on latest_metric
    for each row when (old.key = 'val_mean_iou')
    execute function run_summary_of_run_row();

create trigger run_summary_count_insert_delete after insert or delete on run_summary
    for each row execute function count_run_summary();
create trigger run_summary_count_update after update on run_summary
    for each row
    when ((old.experiment_id, old.status, old.live) is distinct from (new.experiment_id, new.status, new.live))
    execute function count_run_summary();

create trigger job_queued_insert after insert on job
    for each row when (new.status = 'QUEUED') execute function count_queued_job();
create trigger job_queued_delete after delete on job
    for each row when (old.status = 'QUEUED') execute function count_queued_job();
create trigger job_queued_update after update on job
    for each row when ((old.status = 'QUEUED') is distinct from (new.status = 'QUEUED'))
    execute function count_queued_job();

analyze run_summary;
analyze run_count_delta;
