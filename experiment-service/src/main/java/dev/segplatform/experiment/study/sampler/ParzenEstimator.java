package dev.segplatform.experiment.study.sampler;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Hyperopt's adaptive Parzen estimator for one numeric parameter: a mixture of normals, one on each
 * observation and one wide "prior" component in the middle of the range, truncated to the range.
 * Each component's width is the larger gap to its neighbours (clipped between {@code range / min(100,
 * n + 1)} and the range), so the mixture is sharp where observations cluster and broad elsewhere.
 * Older observations weigh less once there are more than {@code linearForgetting} of them.
 *
 * <p>Coordinates are the sampler's "search" coordinates: the logarithm for log-scaled parameters.
 * With {@code q > 0} values live on a grid and the likelihood of a value is the mixture's mass over
 * its grid cell.
 */
final class ParzenEstimator {

    private static final double EPS = 1e-12;

    private final double low;
    private final double high;
    private final double q;
    private final double[] mus;
    private final double[] sigmas;
    private final double[] weights;
    /** The mixture's mass inside [low, high], to renormalise the truncated density. */
    private final double mass;

    /**
     * @param observations values in search coordinates, oldest first
     * @param low          lower end of the range (for a grid, half a cell below the first value)
     * @param high         upper end (for a grid, half a cell above the last value)
     * @param q            grid spacing, or 0 for a continuous parameter
     */
    ParzenEstimator(double[] observations, double low, double high, double q, double priorWeight,
                    int linearForgetting) {
        this.low = low;
        this.high = high;
        this.q = q;
        double priorMu = 0.5 * (low + high);
        double priorSigma = high - low;
        double[] ageWeights = forgettingWeights(observations.length, linearForgetting);

        // Sort observations, remembering their weights, and put the prior where it falls in the order.
        record Point(double mu, double weight, boolean prior) {
        }
        List<Point> points = new ArrayList<>();
        for (int i = 0; i < observations.length; i++) {
            points.add(new Point(observations[i], ageWeights[i], false));
        }
        points.sort(Comparator.comparingDouble(Point::mu));
        int priorAt = 0;
        while (priorAt < points.size() && points.get(priorAt).mu() < priorMu) {
            priorAt++;
        }
        points.add(priorAt, new Point(priorMu, priorWeight, true));

        int n = points.size();
        mus = new double[n];
        sigmas = new double[n];
        weights = new double[n];
        for (int i = 0; i < n; i++) {
            mus[i] = points.get(i).mu();
            weights[i] = points.get(i).weight();
        }
        if (n <= 2) {
            // One observation: hyperopt gives it half the prior's width.
            Arrays.fill(sigmas, 0.5 * priorSigma);
        } else {
            for (int i = 1; i < n - 1; i++) {
                sigmas[i] = Math.max(mus[i] - mus[i - 1], mus[i + 1] - mus[i]);
            }
            sigmas[0] = mus[1] - mus[0];
            sigmas[n - 1] = mus[n - 1] - mus[n - 2];
        }
        sigmas[priorAt] = priorSigma;
        double minSigma = priorSigma / Math.min(100.0, 1.0 + n);
        double total = 0;
        for (int i = 0; i < n; i++) {
            sigmas[i] = Math.max(minSigma, Math.min(priorSigma, sigmas[i]));
            total += weights[i];
        }
        double inside = 0;
        for (int i = 0; i < n; i++) {
            weights[i] /= total;
            inside += weights[i] * (Normal.cdf((high - mus[i]) / sigmas[i]) - Normal.cdf((low - mus[i]) / sigmas[i]));
        }
        mass = Math.max(inside, EPS);
    }

    /** A draw from the truncated mixture (snapped to the grid when there is one). */
    double sample(SplittableRandom random) {
        for (int attempt = 0; attempt < 1000; attempt++) {
            int component = pick(random);
            double x = mus[component] + sigmas[component] * Seeds.gaussian(random);
            if (x >= low && x <= high) {
                return x;
            }
        }
        // Practically unreachable: every component has mass inside the range.
        return Math.max(low, Math.min(high, mus[pick(random)]));
    }

    /** Log-likelihood of {@code x}; with a grid, of the cell around {@code x}. */
    double logLikelihood(double x) {
        if (q > 0) {
            double lo = Math.max(low, x - 0.5 * q);
            double hi = Math.min(high, x + 0.5 * q);
            double p = 0;
            for (int i = 0; i < mus.length; i++) {
                p += weights[i] * (Normal.cdf((hi - mus[i]) / sigmas[i]) - Normal.cdf((lo - mus[i]) / sigmas[i]));
            }
            return Math.log(Math.max(p, 0) / mass + EPS);
        }
        // Log-sum-exp over components, so far tails do not underflow to log(0).
        double max = Double.NEGATIVE_INFINITY;
        double[] terms = new double[mus.length];
        for (int i = 0; i < mus.length; i++) {
            terms[i] = Math.log(weights[i]) + Normal.logDensity((x - mus[i]) / sigmas[i]) - Math.log(sigmas[i]);
            max = Math.max(max, terms[i]);
        }
        double sum = 0;
        for (double term : terms) {
            sum += Math.exp(term - max);
        }
        return max + Math.log(sum) - Math.log(mass);
    }

    private int pick(SplittableRandom random) {
        double u = random.nextDouble();
        double cumulative = 0;
        for (int i = 0; i < weights.length; i++) {
            cumulative += weights[i];
            if (u < cumulative) {
                return i;
            }
        }
        return weights.length - 1;
    }

    /**
     * Hyperopt's linear forgetting: the newest {@code lf} observations weigh 1, older ones ramp
     * linearly from {@code 1/n} (oldest) up towards 1.
     */
    static double[] forgettingWeights(int n, int lf) {
        double[] weights = new double[n];
        Arrays.fill(weights, 1.0);
        int ramp = n - lf;
        if (ramp > 0) {
            for (int i = 0; i < ramp; i++) {
                weights[i] = ramp == 1 ? 1.0 / n : 1.0 / n + (1.0 - 1.0 / n) * i / (ramp - 1);
            }
        }
        return weights;
    }
}
