package dev.segplatform.experiment.study.pruner;

import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * The objective metric of one trial by step (epoch), as the trainer logged it.
 *
 * @param state  where the trial is; pruners compare against {@link State#COMPLETE} trials (median) or
 *               against every trial that reached a rung (ASHA)
 * @param values value by step; NaN is a legal value and counts as the worst
 */
public record TrialCurve(int trial, State state, NavigableMap<Long, Double> values) {

    public enum State { RUNNING, COMPLETE, PRUNED, FAILED }

    public TrialCurve {
        values = new TreeMap<>(values);
    }

    public static TrialCurve of(int trial, State state, Map<Long, Double> values) {
        return new TrialCurve(trial, state, new TreeMap<>(values));
    }

    /** The newest step logged, or -1 when there is none. */
    public long lastStep() {
        return values.isEmpty() ? -1 : values.lastKey();
    }

    /** The value at the largest step not beyond {@code step}, or null when the trial has none. */
    public Double valueAt(long step) {
        Map.Entry<Long, Double> entry = values.floorEntry(step);
        return entry == null ? null : entry.getValue();
    }
}
