package dev.segplatform.experiment.study.sampler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.ToDoubleFunction;
import org.junit.jupiter.api.Test;

/** The samplers on their own: ranges, grids, reproducibility, and TPE against random search. */
class SamplerTest {

    static final SearchSpace MIXED = SearchSpace.of(
            new Param.LogUniform("learningRate", 1e-5, 1.0),
            new Param.Uniform("x", -5, 5),
            new Param.QUniform("imageSize", 32, 256, 32),
            new Param.IntRange("epochs", 1, 20),
            new Param.Choice("optimizer", 6));

    @Test
    void randomDrawsStayInsideEveryRangeAndOnEveryGrid() {
        RandomSampler sampler = new RandomSampler();
        Set<Double> sizes = new HashSet<>();
        Set<Double> choices = new HashSet<>();
        for (int trial = 0; trial < 2000; trial++) {
            Map<String, Double> v = sampler.suggest(MIXED, List.of(), 5, trial);
            assertThat(v.get("learningRate")).isBetween(1e-5, 1.0);
            assertThat(v.get("x")).isBetween(-5.0, 5.0);
            assertThat(v.get("imageSize") % 32).isZero();
            assertThat(v.get("epochs")).isBetween(1.0, 20.0);
            assertThat(v.get("epochs") % 1).isZero();
            sizes.add(v.get("imageSize"));
            choices.add(v.get("optimizer"));
        }
        assertThat(sizes).containsExactlyInAnyOrder(32.0, 64.0, 96.0, 128.0, 160.0, 192.0, 224.0, 256.0);
        assertThat(choices).containsExactlyInAnyOrder(0.0, 1.0, 2.0, 3.0, 4.0, 5.0);
    }

    @Test
    void logUniformIsUniformInTheLogarithm() {
        RandomSampler sampler = new RandomSampler();
        int belowMiddle = 0;
        for (int trial = 0; trial < 4000; trial++) {
            // 1e-4 .. 1e-1: the logarithmic middle is 10^-2.5 ~ 0.00316, the linear middle ~ 0.05.
            double lr = sampler.suggest(SearchSpace.of(new Param.LogUniform("lr", 1e-4, 1e-1)), List.of(), 1, trial)
                    .get("lr");
            if (lr < Math.pow(10, -2.5)) {
                belowMiddle++;
            }
        }
        assertThat(belowMiddle).isBetween(1850, 2150);
    }

    @Test
    void gridEnumeratesEveryCombinationOnceInNestedLoopOrder() {
        SearchSpace space = SearchSpace.of(new Param.Choice("batchSize", 3), new Param.IntRange("epochs", 1, 2),
                new Param.QUniform("weightDecay", 0.0, 0.2, 0.1));
        assertThat(GridSampler.size(space)).isEqualTo(18);
        GridSampler grid = new GridSampler();
        List<List<Double>> points = new ArrayList<>();
        for (int trial = 0; trial < 18; trial++) {
            Map<String, Double> v = grid.suggest(space, List.of(), 0, trial);
            points.add(List.of(v.get("batchSize"), v.get("epochs"), Math.round(v.get("weightDecay") * 10) / 10.0));
        }
        assertThat(new HashSet<>(points)).hasSize(18);
        assertThat(points.get(0)).containsExactly(0.0, 1.0, 0.0);
        assertThat(points.get(1)).containsExactly(0.0, 1.0, 0.1);
        assertThat(points.get(3)).containsExactly(0.0, 2.0, 0.0);
        assertThat(points.get(17)).containsExactly(2.0, 2.0, 0.2);
        assertThatThrownBy(() -> grid.suggest(space, List.of(), 0, 18)).isInstanceOf(IllegalArgumentException.class);
        assertThat(GridSampler.isDiscrete(new Param.Uniform("x", 0, 1))).isFalse();
    }

    @Test
    void everySamplerRepeatsItselfForTheSameSeedAndHistoryAndDiffersAcrossSeeds() {
        TpeSampler tpe = new TpeSampler(new TpeSampler.Settings(5, 0.25, 24, 1.0, 25));
        List<Observation> history = simulate(tpe, MIXED, SamplerTest::mixedLoss, 3, 15);
        for (Sampler sampler : List.of(new RandomSampler(), tpe)) {
            Map<String, Double> first = sampler.suggest(MIXED, history, 3, 15);
            Map<String, Double> again = sampler.suggest(MIXED, history, 3, 15);
            Map<String, Double> otherSeed = sampler.suggest(MIXED, history, 4, 15);
            assertThat(again).isEqualTo(first);
            assertThat(otherSeed).isNotEqualTo(first);
        }
        // A whole TPE study replays identically from its seed.
        assertThat(simulate(tpe, MIXED, SamplerTest::mixedLoss, 3, 15)).isEqualTo(history);
    }

    @Test
    void tpeStartsRandomThenStaysInsideTheSpace() {
        TpeSampler tpe = new TpeSampler(new TpeSampler.Settings(5, 0.25, 24, 1.0, 25));
        List<Observation> history = simulate(tpe, MIXED, SamplerTest::mixedLoss, 9, 60);
        RandomSampler random = new RandomSampler();
        for (int trial = 0; trial < 5; trial++) {
            assertThat(history.get(trial).values()).isEqualTo(random.suggest(MIXED, List.of(), 9, trial));
        }
        for (Observation o : history) {
            assertThat(o.values().get("learningRate")).isBetween(1e-5, 1.0);
            assertThat(o.values().get("x")).isBetween(-5.0, 5.0);
            assertThat(o.values().get("imageSize") % 32).isZero();
            assertThat(o.values().get("imageSize")).isBetween(32.0, 256.0);
            assertThat(o.values().get("epochs") % 1).isZero();
            assertThat(o.values().get("epochs")).isBetween(1.0, 20.0);
            assertThat(o.values().get("optimizer")).isIn(0.0, 1.0, 2.0, 3.0, 4.0, 5.0);
        }
    }

    @Test
    void prunedTrialsCountAmongTheBadOnesWhateverTheirPartialLoss() {
        SearchSpace space = SearchSpace.of(new Param.Uniform("x", 0, 10));
        TpeSampler tpe = new TpeSampler(new TpeSampler.Settings(2, 0.25, 24, 1.0, 25));
        // Trials near x = 2 have tiny losses from partial runs; finished ones near x = 8 are mediocre.
        java.util.function.IntFunction<Integer> nearTwo = pruned -> {
            List<Observation> history = new ArrayList<>();
            history.add(new Observation(0, Map.of("x", 2.0), 0.001, pruned == 1));
            history.add(new Observation(1, Map.of("x", 2.4), 0.002, pruned == 1));
            for (int i = 2; i < 20; i++) {
                history.add(new Observation(i, Map.of("x", 8.0 + i * 0.05), 1.0 + i, false));
            }
            int count = 0;
            for (int trial = 20; trial < 80; trial++) {
                if (tpe.suggest(space, history, 1, trial).get("x") < 4) {
                    count++;
                }
            }
            return count;
        };
        int asFinished = nearTwo.apply(0);
        int asPruned = nearTwo.apply(1);
        // Taken at face value the pruned losses would pull TPE to the left; as pruned they push it away.
        System.out.printf("suggestions below x = 4 out of 60: %d when those trials finished, %d when pruned%n",
                asFinished, asPruned);
        assertThat(asFinished).isGreaterThan(30);
        assertThat(asPruned).isLessThan(asFinished / 3);
    }

    /** A quadratic bowl in log10(learning rate) with its minimum at 10^-2.5. */
    static double bowl(Map<String, Double> v) {
        double d = Math.log10(v.get("learningRate")) + 2.5;
        return d * d;
    }

    /** Bowl in log-lr, a shifted parabola in x, a whole-number optimum, and one best choice of six. */
    static double mixedLoss(Map<String, Double> v) {
        double[] choiceLoss = {0.9, 0.6, 1.0, 0.0, 0.8, 0.7};
        double x = v.get("x") - 1.3;
        double epochs = v.get("epochs") - 7;
        double size = (v.get("imageSize") - 160) / 32;
        return bowl(v) + x * x / 10 + epochs * epochs / 100 + size * size / 50
                + choiceLoss[(int) Math.round(v.get("optimizer"))];
    }

    @Test
    void tpeBeatsRandomSearchOnALogScaledBowl() {
        SearchSpace space = SearchSpace.of(new Param.LogUniform("learningRate", 1e-5, 1.0));
        Comparison result = compare(space, SamplerTest::bowl, 30, 40, 8);
        System.out.printf("bowl in log-lr, 30 trials x 40 seeds: median best TPE %.3g, random %.3g%n",
                result.tpeMedian(), result.randomMedian());
        assertThat(result.tpeMedian()).isLessThan(result.randomMedian() * 0.7);
    }

    @Test
    void tpeBeatsRandomSearchOnAMixedSpaceWithOneBestChoice() {
        Comparison result = compare(MIXED, SamplerTest::mixedLoss, 50, 40, 10);
        System.out.printf("mixed space, 50 trials x 40 seeds: median best TPE %.3g, random %.3g%n",
                result.tpeMedian(), result.randomMedian());
        assertThat(result.tpeMedian()).isLessThan(result.randomMedian() * 0.7);
    }

    @Test
    void tpeLearnsWhichChoiceIsBest() {
        TpeSampler tpe = new TpeSampler(new TpeSampler.Settings(10, 0.25, 24, 1.0, 25));
        int best = 0;
        int total = 0;
        for (long seed = 0; seed < 20; seed++) {
            List<Observation> history = simulate(tpe, MIXED, SamplerTest::mixedLoss, seed, 50);
            for (Observation o : history.subList(25, 50)) {
                total++;
                if (o.values().get("optimizer") == 3.0) {
                    best++;
                }
            }
        }
        double share = (double) best / total;
        System.out.printf("TPE picks the best of six choices in %.0f%% of trials 26-50 (random: 17%%)%n", share * 100);
        assertThat(share).isGreaterThan(0.25);
    }

    record Comparison(double tpeMedian, double randomMedian) {
    }

    static Comparison compare(SearchSpace space, ToDoubleFunction<Map<String, Double>> loss, int budget, int seeds,
                              int startup) {
        TpeSampler tpe = new TpeSampler(new TpeSampler.Settings(startup, 0.25, 24, 1.0, 25));
        RandomSampler random = new RandomSampler();
        double[] tpeBest = new double[seeds];
        double[] randomBest = new double[seeds];
        for (int seed = 0; seed < seeds; seed++) {
            tpeBest[seed] = best(simulate(tpe, space, loss, seed, budget));
            randomBest[seed] = best(simulate(random, space, loss, seed, budget));
        }
        return new Comparison(median(tpeBest), median(randomBest));
    }

    /** A sequential study: each trial is suggested from every earlier one. */
    static List<Observation> simulate(Sampler sampler, SearchSpace space, ToDoubleFunction<Map<String, Double>> loss,
                                      long seed, int budget) {
        List<Observation> history = new ArrayList<>();
        for (int trial = 0; trial < budget; trial++) {
            Map<String, Double> values = sampler.suggest(space, List.copyOf(history), seed, trial);
            history.add(new Observation(trial, values, loss.applyAsDouble(values), false));
        }
        return history;
    }

    static double best(List<Observation> history) {
        return history.stream().mapToDouble(Observation::loss).min().orElseThrow();
    }

    static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : 0.5 * (sorted[n / 2 - 1] + sorted[n / 2]);
    }
}
