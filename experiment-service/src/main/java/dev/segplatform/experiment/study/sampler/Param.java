package dev.segplatform.experiment.study.sampler;

/**
 * One dimension of a search space in the sampler's own coordinates. A suggestion gives every
 * parameter a {@code double}: the number itself for the numeric kinds, the index of the value for
 * {@link Choice}. Mapping those to spec values (JSON) is the caller's business.
 */
public sealed interface Param permits Param.Uniform, Param.LogUniform, Param.QUniform, Param.IntRange, Param.Choice {

    String name();

    /** Any real number in {@code [low, high]}. */
    record Uniform(String name, double low, double high) implements Param {
    }

    /** A positive real number in {@code [low, high]} whose logarithm is uniform. */
    record LogUniform(String name, double low, double high) implements Param {
    }

    /**
     * {@code low + k * q} for whole {@code k >= 0}, up to {@code high}; each value equally likely
     * under the prior.
     */
    record QUniform(String name, double low, double high, double q) implements Param {

        /** The largest {@code k}: the last grid value not above {@code high}. */
        public long steps() {
            return (long) Math.floor((high - low) / q + 1e-9);
        }

        /** The grid value nearest to {@code x}. */
        public double snap(double x) {
            long k = Math.round((x - low) / q);
            return low + Math.max(0, Math.min(steps(), k)) * q;
        }
    }

    /** A whole number in {@code [low, high]}, both inclusive. */
    record IntRange(String name, long low, long high) implements Param {
    }

    /** One of {@code size} values, by index. */
    record Choice(String name, int size) implements Param {
    }
}
