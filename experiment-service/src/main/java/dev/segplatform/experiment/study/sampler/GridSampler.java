package dev.segplatform.experiment.study.sampler;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every combination once, in the order of nested loops over the parameters as declared (the last
 * parameter changes fastest). Trial {@code n} takes the {@code n}-th combination, so the grid needs no
 * memory of its own and a restarted study continues where it was. Only discrete parameters (choice,
 * int, quniform) make a grid.
 */
public final class GridSampler implements Sampler {

    @Override
    public Map<String, Double> suggest(SearchSpace space, List<Observation> history, long seed, int trial) {
        long size = size(space);
        if (trial < 0 || trial >= size) {
            throw new IllegalArgumentException("trial " + trial + " is beyond the grid of " + size + " points");
        }
        Map<String, Double> values = new LinkedHashMap<>();
        long rest = trial;
        List<Param> params = space.params();
        double[] picked = new double[params.size()];
        for (int i = params.size() - 1; i >= 0; i--) {
            long points = points(params.get(i));
            picked[i] = value(params.get(i), rest % points);
            rest /= points;
        }
        for (int i = 0; i < params.size(); i++) {
            values.put(params.get(i).name(), picked[i]);
        }
        return values;
    }

    /** The number of combinations, saturating at {@link Long#MAX_VALUE}. */
    public static long size(SearchSpace space) {
        long size = 1;
        for (Param param : space.params()) {
            long points = points(param);
            size = size > Long.MAX_VALUE / points ? Long.MAX_VALUE : size * points;
        }
        return size;
    }

    /** Whether the parameter takes finitely many values, so that it can be part of a grid. */
    public static boolean isDiscrete(Param param) {
        return param instanceof Param.Choice || param instanceof Param.IntRange || param instanceof Param.QUniform;
    }

    private static long points(Param param) {
        if (param instanceof Param.Choice p) {
            return p.size();
        }
        if (param instanceof Param.IntRange p) {
            return p.high() - p.low() + 1;
        }
        if (param instanceof Param.QUniform p) {
            return p.steps() + 1;
        }
        throw new IllegalArgumentException(param.name() + " is continuous; a grid needs values");
    }

    private static double value(Param param, long index) {
        if (param instanceof Param.Choice) {
            return index;
        }
        if (param instanceof Param.IntRange p) {
            return p.low() + index;
        }
        if (param instanceof Param.QUniform p) {
            return p.low() + index * p.q();
        }
        throw new IllegalArgumentException(param.name() + " is continuous");
    }
}
