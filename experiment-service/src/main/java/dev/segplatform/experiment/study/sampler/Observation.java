package dev.segplatform.experiment.study.sampler;

import java.util.Map;

/**
 * A finished trial as samplers see it.
 *
 * @param trial  the trial number; samplers use it for the age of an observation
 * @param values the trial's parameters in sampler coordinates (see {@link Param})
 * @param loss   the objective turned into "smaller is better"; NaN counts as the worst
 * @param pruned the trial was stopped early, so its loss is from a partial run: it always
 *               counts among the bad trials
 */
public record Observation(int trial, Map<String, Double> values, double loss, boolean pruned) {

    public Observation {
        values = Map.copyOf(values);
    }
}
