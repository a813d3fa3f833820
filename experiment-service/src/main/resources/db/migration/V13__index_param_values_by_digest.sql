-- Run creation at 500 runs/s (issue #20). V3's hash index on run_param.value puts every equal value
-- in one bucket, and param values repeat across runs (100,000 runs share a handful of models,
-- batch sizes and learning rates), so a bucket grew into a chain of hundreds of overflow pages that
-- each new param walked to find room: a run's params took several times longer to insert with the
-- index than without. A B-tree keeps equal entries together at any count, and on the value's
-- digest any length of value still fits (the reason V3 left the B-tree on the value itself).
-- Run search adds md5(value) = md5(:v) to a param's equality test, which this index serves.
drop index run_param_value_idx;
create index run_param_key_value_digest_idx on run_param (key, md5(value));

-- The digest is a function of the value: V9's statistics learn that too, so the planner does not
-- count the two equal tests as independent and take a common value for a rare one.
drop statistics run_param_key_value_stats;
create statistics run_param_key_value_stats (mcv, dependencies) on key, value, (md5(value)) from run_param;
analyze run_param;
