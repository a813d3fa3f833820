package dev.segplatform.experiment.study.sampler;

import java.util.List;
import java.util.Map;

/**
 * Suggests the parameters of a study's next trial. Implementations are pure and seeded: the same
 * space, history, seed and trial number give the same suggestion, so a study's suggestions can be
 * reproduced from what it stored.
 */
public interface Sampler {

    /**
     * @param history the finished trials that have an objective value (failed ones are left out)
     * @param seed    the study's seed
     * @param trial   the number of the trial being suggested (0 for the first)
     * @return a value for every parameter of the space, in sampler coordinates
     */
    Map<String, Double> suggest(SearchSpace space, List<Observation> history, long seed, int trial);
}
