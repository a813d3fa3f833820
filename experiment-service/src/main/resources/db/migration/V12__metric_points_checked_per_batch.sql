-- Ingestion at 50,000 points/s (issue #20). The foreign key from metric to run checked every point
-- on its own: PostgreSQL runs one key-share lookup of the run per inserted row, which took about
-- half of a 1000-point batch's time in the database. Every point is written by MetricStore.append
-- after JobQueue.guardWrite has found the run and key-share locked it for the whole transaction:
-- one check per batch that gives the same guarantee (no point for a run that does not exist, and
-- no run deleted under a write in progress, since a delete waits for that lock).
alter table metric drop constraint metric_run_id_fkey;

-- The key's "on delete cascade", once per deleting statement. The delete runs in the trigger's own
-- statement, so in READ COMMITTED it sees points whose writer committed while this delete waited
-- for the run's lock.
create function delete_metrics_of_deleted_runs() returns trigger language plpgsql as $$
begin
    delete from metric m using deleted_run d where m.run_id = d.id;
    return null;
end $$;

create trigger run_delete_metrics after delete on run
    referencing old table as deleted_run
    for each statement execute function delete_metrics_of_deleted_runs();
