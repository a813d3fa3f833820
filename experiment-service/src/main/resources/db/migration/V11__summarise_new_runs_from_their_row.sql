-- Run creation at 500 runs/s (issue #20): the summary of a run just inserted is written from the
-- inserted row itself instead of through refresh_run_summary, which locks, joins job and latest_metric
-- and upserts. A run's job and latest metrics can only be written after the run they reference, and
-- their own triggers refresh the summary; when they arrive in the same statement as the run (one
-- statement with several inserts), the refresh that ran first has already written the summary from
-- the whole statement's rows, so this insert leaves it alone. Updates of a run still refresh.
create or replace function run_summary_of_run() returns trigger language plpgsql as $$
begin
    if tg_op = 'INSERT' then
        insert into run_summary (run_id, experiment_id, status, live, val_mean_iou, activity_at)
        values (new.id, new.experiment_id, new.status, new.deleted_at is null, null,
                greatest(new.created_at, new.started_at, new.ended_at))
        on conflict (run_id) do nothing;
    else
        perform refresh_run_summary(new.id);
    end if;
    return null;
end $$;
