-- The value of each run's metric for the model the run kept. A trainer that keeps its best
-- validation epoch (spec.keep = best) records that epoch as the param bundle_epoch; the run's model
-- is then that epoch's, and so is the value that ranks it (best model, study objective). A run
-- without the param (keep = last, an MLflow client's run, a run that kept no model) is judged by its
-- latest value, as before.
create view model_metric as
select lm.run_id, lm.key,
       coalesce(kept.value, lm.value) as value,
       coalesce(kept.step, lm.step) as step
from latest_metric lm
left join run_param p
       on p.run_id = lm.run_id and p.key = 'bundle_epoch' and p.value ~ '^[0-9]{1,18}$'
left join lateral (
    select m.value, m.step from metric m
    where p.value is not null and m.run_id = lm.run_id and m.key = lm.key and m.step = cast(p.value as bigint)
    order by m.timestamp_ms desc
    limit 1
) kept on true;
