package dev.segplatform.experiment.study.sampler;

import java.util.SplittableRandom;

/**
 * Random streams for one parameter of one trial of one study. Each stream depends only on the
 * study's seed, the trial number and the parameter's name, so adding a parameter to a space does not
 * change the values drawn for the others. {@link SplittableRandom} is used because its algorithm is
 * specified, so suggestions stay the same across JDK versions.
 */
final class Seeds {

    private Seeds() {
    }

    static SplittableRandom random(long seed, int trial, String param) {
        long mixed = mix(mix(seed) ^ (trial * 0x9E3779B97F4A7C15L)) ^ param.hashCode();
        return new SplittableRandom(mix(mixed));
    }

    /** A standard normal draw (Box-Muller), specified here for the same reason. */
    static double gaussian(SplittableRandom random) {
        double u1 = 1.0 - random.nextDouble(); // (0, 1], so the logarithm is finite
        double u2 = random.nextDouble();
        return Math.sqrt(-2.0 * Math.log(u1)) * Math.cos(2.0 * Math.PI * u2);
    }

    /** Stafford's variant 13 of the 64-bit finaliser: nearby inputs give unrelated outputs. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
