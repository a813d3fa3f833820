package dev.segplatform.experiment.study.sampler;

/** The standard normal distribution's density and distribution function. */
final class Normal {

    private static final double LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);

    private Normal() {
    }

    static double logDensity(double z) {
        return -0.5 * z * z - LOG_SQRT_2PI;
    }

    /** Phi(z), through the complementary error function. */
    static double cdf(double z) {
        return 0.5 * erfc(-z / Math.sqrt(2));
    }

    /**
     * erfc(x) by the Chebyshev fit of Press et al. (Numerical Recipes, erfcc): relative error below
     * 1.2e-7 everywhere, which is far finer than anything a sampler decides on.
     */
    static double erfc(double x) {
        double z = Math.abs(x);
        double t = 1.0 / (1.0 + 0.5 * z);
        double poly = -z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418
                + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587
                + t * (-0.82215223 + t * 0.17087277))))))));
        double result = t * Math.exp(poly);
        return x >= 0 ? result : 2.0 - result;
    }
}
