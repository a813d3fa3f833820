package dev.segplatform.experiment.study.sampler;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/** Independent draws from each parameter's prior; the history is ignored. */
public final class RandomSampler implements Sampler {

    @Override
    public Map<String, Double> suggest(SearchSpace space, List<Observation> history, long seed, int trial) {
        Map<String, Double> values = new LinkedHashMap<>();
        for (Param param : space.params()) {
            values.put(param.name(), draw(param, Seeds.random(seed, trial, param.name())));
        }
        return values;
    }

    /** One draw from the parameter's prior. */
    static double draw(Param param, SplittableRandom random) {
        if (param instanceof Param.Uniform p) {
            return p.low() + random.nextDouble() * (p.high() - p.low());
        }
        if (param instanceof Param.LogUniform p) {
            return Math.exp(Math.log(p.low()) + random.nextDouble() * Math.log(p.high() / p.low()));
        }
        if (param instanceof Param.QUniform p) {
            return p.low() + random.nextLong(p.steps() + 1) * p.q();
        }
        if (param instanceof Param.IntRange p) {
            return p.low() + random.nextLong(p.high() - p.low() + 1);
        }
        return random.nextInt(((Param.Choice) param).size());
    }
}
