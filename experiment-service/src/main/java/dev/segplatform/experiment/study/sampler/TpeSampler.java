package dev.segplatform.experiment.study.sampler;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Tree-structured Parzen Estimator as hyperopt defines it (Bergstra et al., "Algorithms for
 * Hyper-Parameter Optimization", 2011; hyperopt's {@code tpe.suggest}):
 * <ol>
 *   <li>the first {@code startupTrials} suggestions are random draws from the priors;</li>
 *   <li>then the finished trials are split by loss into a good set of
 *       {@code min(ceil(gamma * sqrt(n)), linearForgetting)} trials and a bad set of the rest;</li>
 *   <li>each parameter gets two densities, l(x) from the good values and g(x) from the bad ones:
 *       adaptive Parzen estimators (truncated mixtures of normals, in log space for log-uniform
 *       parameters, on the grid for int and quniform) or, for a choice, weighted counts plus a
 *       prior pseudo-count per value;</li>
 *   <li>{@code candidates} values are drawn from l(x) and the one with the largest l(x)/g(x), which
 *       maximises expected improvement, is suggested.</li>
 * </ol>
 * Parameters are treated independently, as hyperopt does. Pruned trials always fall in the bad set:
 * a pruner judged them worse than their peers. Everything is seeded by (study seed, trial, parameter).
 */
public final class TpeSampler implements Sampler {

    /**
     * @param startupTrials    random trials before the model takes over
     * @param gamma            scales the size of the good set, {@code ceil(gamma * sqrt(n))}
     * @param candidates       draws from l(x) scored by expected improvement
     * @param priorWeight      weight of the prior component (and pseudo-count of each choice value)
     * @param linearForgetting observations beyond this many newest ones weigh less
     */
    public record Settings(int startupTrials, double gamma, int candidates, double priorWeight, int linearForgetting) {

        /** Hyperopt's defaults: 20 startup trials, gamma 0.25, 24 candidates, prior weight 1, forgetting 25. */
        public static final Settings HYPEROPT = new Settings(20, 0.25, 24, 1.0, 25);

        /**
         * Hyperopt's defaults with the random start scaled to the budget: a fifth of the trials, at
         * least 2 and at most hyperopt's 20. With hyperopt's fixed 20, a study of 30 trials would be
         * two thirds random.
         */
        public static Settings forBudget(int maxTrials) {
            return new Settings(Math.max(2, Math.min(20, (int) Math.ceil(maxTrials / 5.0))), 0.25, 24, 1.0, 25);
        }
    }

    private final Settings settings;
    private final RandomSampler random = new RandomSampler();

    public TpeSampler(Settings settings) {
        this.settings = settings;
    }

    @Override
    public Map<String, Double> suggest(SearchSpace space, List<Observation> history, long seed, int trial) {
        if (history.size() < settings.startupTrials()) {
            return random.suggest(space, history, seed, trial);
        }
        List<Observation> ranked = new ArrayList<>(history);
        ranked.sort(Comparator.comparing(Observation::pruned)
                .thenComparingDouble(o -> Double.isNaN(o.loss()) ? Double.POSITIVE_INFINITY : o.loss())
                .thenComparingInt(Observation::trial));
        int good = Math.min((int) Math.ceil(settings.gamma() * Math.sqrt(ranked.size())), settings.linearForgetting());
        good = Math.max(1, Math.min(good, ranked.size() - 1));
        List<Observation> below = byAge(ranked.subList(0, good));
        List<Observation> above = byAge(ranked.subList(good, ranked.size()));

        Map<String, Double> values = new LinkedHashMap<>();
        for (Param param : space.params()) {
            SplittableRandom rng = Seeds.random(seed, trial, param.name());
            values.put(param.name(), param instanceof Param.Choice choice
                    ? suggestChoice(choice, below, above, rng)
                    : suggestNumber(param, below, above, rng));
        }
        return values;
    }

    private double suggestNumber(Param param, List<Observation> below, List<Observation> above, SplittableRandom rng) {
        Scale scale = Scale.of(param);
        ParzenEstimator good = scale.estimator(values(param, below), settings);
        ParzenEstimator bad = scale.estimator(values(param, above), settings);
        double best = Double.NaN;
        double bestScore = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < settings.candidates(); i++) {
            double x = scale.snap(good.sample(rng));
            double score = good.logLikelihood(x) - bad.logLikelihood(x);
            if (score > bestScore) {
                bestScore = score;
                best = x;
            }
        }
        return scale.toValue(best);
    }

    private double suggestChoice(Param.Choice param, List<Observation> below, List<Observation> above,
                                 SplittableRandom rng) {
        double[] good = choiceProbabilities(param, below);
        double[] bad = choiceProbabilities(param, above);
        int best = -1;
        double bestScore = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < settings.candidates(); i++) {
            int index = draw(good, rng);
            double score = Math.log(good[index]) - Math.log(bad[index]);
            if (score > bestScore) {
                bestScore = score;
                best = index;
            }
        }
        return best;
    }

    /** Weighted counts of each value among the observations, plus the prior pseudo-count, normalised. */
    private double[] choiceProbabilities(Param.Choice param, List<Observation> observations) {
        double[] counts = new double[param.size()];
        double[] age = ParzenEstimator.forgettingWeights(observations.size(), settings.linearForgetting());
        for (int i = 0; i < observations.size(); i++) {
            int index = (int) Math.round(observations.get(i).values().get(param.name()));
            if (index >= 0 && index < counts.length) {
                counts[index] += age[i];
            }
        }
        double total = 0;
        for (int i = 0; i < counts.length; i++) {
            counts[i] += settings.priorWeight();
            total += counts[i];
        }
        for (int i = 0; i < counts.length; i++) {
            counts[i] /= total;
        }
        return counts;
    }

    private static int draw(double[] probabilities, SplittableRandom rng) {
        double u = rng.nextDouble();
        double cumulative = 0;
        for (int i = 0; i < probabilities.length; i++) {
            cumulative += probabilities[i];
            if (u < cumulative) {
                return i;
            }
        }
        return probabilities.length - 1;
    }

    private static List<Observation> byAge(List<Observation> observations) {
        List<Observation> sorted = new ArrayList<>(observations);
        sorted.sort(Comparator.comparingInt(Observation::trial));
        return sorted;
    }

    private static double[] values(Param param, List<Observation> observations) {
        Scale scale = Scale.of(param);
        return observations.stream()
                .map(o -> o.values().get(param.name()))
                .filter(v -> v != null && !Double.isNaN(v))
                .mapToDouble(scale::toSearch)
                .toArray();
    }

    /** How a numeric parameter maps to the coordinates its estimator works in. */
    private record Scale(double low, double high, double q, boolean log, double valueLow, double valueHigh) {

        static Scale of(Param param) {
            if (param instanceof Param.Uniform p) {
                return new Scale(p.low(), p.high(), 0, false, p.low(), p.high());
            }
            if (param instanceof Param.LogUniform p) {
                return new Scale(Math.log(p.low()), Math.log(p.high()), 0, true, p.low(), p.high());
            }
            if (param instanceof Param.QUniform p) {
                // The grid is low, low + q, ..., low + steps * q; each value owns a cell of width q.
                return new Scale(p.low() - 0.5 * p.q(), p.low() + (p.steps() + 0.5) * p.q(), p.q(), false,
                        p.low(), p.low() + p.steps() * p.q());
            }
            if (param instanceof Param.IntRange p) {
                return new Scale(p.low() - 0.5, p.high() + 0.5, 1, false, p.low(), p.high());
            }
            throw new IllegalArgumentException(param.name() + " is not numeric");
        }

        ParzenEstimator estimator(double[] observations, Settings settings) {
            return new ParzenEstimator(observations, low, high, q, settings.priorWeight(), settings.linearForgetting());
        }

        double toSearch(double value) {
            return log ? Math.log(value) : value;
        }

        /** Back to the parameter's own units, inside its bounds despite rounding in exp and log. */
        double toValue(double search) {
            double value = log ? Math.exp(search) : search;
            return Math.max(valueLow, Math.min(valueHigh, value));
        }

        /** Onto the grid (cell centres) when there is one. */
        double snap(double x) {
            if (q <= 0) {
                return x;
            }
            double first = low + 0.5 * q;
            long last = Math.round((high - 0.5 * q - first) / q);
            long k = Math.max(0, Math.min(last, Math.round((x - first) / q)));
            return first + k * q;
        }
    }
}
