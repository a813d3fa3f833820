-- Run search at 100,000 runs (bin/bench tracking --scale); docs/architecture.md has the plans.

-- A search ordered by a metric that its filter also tests (metrics.val_mean_iou > 0.5, ordered by
-- val_mean_iou) walks this index from the page's start: the filter's range and the keyset position
-- (value, run_id) < (last value, last id) are both index conditions, and the walk stops after a page,
-- instead of sorting every match. It also serves every use of the (key, value) index it replaces.
drop index latest_metric_key_value_idx;
create index latest_metric_key_value_run_idx on latest_metric (key, value, run_id);

-- The default order (newest first) and its keyset position (created_at, id) < (last time, last id):
-- every page of an export starts where the last one ended instead of sorting every run again.
create index run_created_idx on run (created_at, id);

-- Keys and values of params and tags are far from independent (only the key model holds 'unet'):
-- without these the planner takes params.model = 'unet' for a rare match, and hashes every run
-- instead of walking the sort's index.
create statistics run_param_key_value_stats (mcv, dependencies) on key, value from run_param;
create statistics run_tag_key_value_stats (mcv, dependencies) on key, value from run_tag;
analyze run_param;
analyze run_tag;
