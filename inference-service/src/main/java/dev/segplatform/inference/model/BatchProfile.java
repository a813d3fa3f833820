package dev.segplatform.inference.model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntToLongFunction;

/**
 * What a model gains from batching on this machine: one copy's images/s at batch sizes up to the
 * batcher's maximum, timed when the model is loaded, and the batch limit they suggest. Triton's
 * model analyzer finds this offline; here it is found at each load, because the answer depends on
 * the model and the machine. On two cores, two single-threaded copies of U-Net width 8 at 128 px
 * gained 1.3-1.5x from batch 1 to 4 and nothing past it, width 16 peaked at 2-4, and a batch of 8
 * only held its requests twice as long (the batching service's p99 at concurrency 8 was 178-197 ms
 * at max batch 8 against 92-96 without batching).
 *
 * @param sizes           the batch sizes timed, ascending from 1
 * @param imagesPerSecond the rate at each of {@code sizes}
 * @param limit           the smallest of {@code sizes} within {@link #TOLERANCE} of the best rate
 */
public record BatchProfile(int[] sizes, double[] imagesPerSecond, int limit) {

    /** How far below the best rate the limit's rate may be: a gain smaller than this is not worth the wait. */
    public static final double TOLERANCE = 0.05;
    /** Timed passes per batch size and sweep, after one untimed pass; the fastest counts (interference only adds time). */
    static final int PASSES = 3;
    /** Sweeps over the sizes, so that a size timed at a busy moment gets a second chance. */
    static final int SWEEPS = 2;
    /** Batch-1 passes per block of the warm-up, which ends when a block is no faster than the one before. */
    static final int WARM_UP_BLOCK = 16;
    /** The most pass time the warm-up spends waiting for the passes to stop getting faster. */
    static final long WARM_UP_LIMIT_NANOS = 3_000_000_000L;
    /** Every size up to this one is timed; past it, powers of two and the maximum. */
    static final int EVERY_SIZE_UP_TO = 8;

    public BatchProfile {
        if (sizes.length == 0 || sizes.length != imagesPerSecond.length) {
            throw new IllegalArgumentException("one rate per batch size, at least one");
        }
        sizes = sizes.clone();
        imagesPerSecond = imagesPerSecond.clone();
    }

    @Override
    public int[] sizes() {
        return sizes.clone();
    }

    @Override
    public double[] imagesPerSecond() {
        return imagesPerSecond.clone();
    }

    /** The batch sizes a profile up to {@code maxBatch} times: 1 to 8, then 16, 32, ... and {@code maxBatch}. */
    static int[] ladder(int maxBatch) {
        if (maxBatch < 1) {
            throw new IllegalArgumentException("maxBatch must be positive");
        }
        List<Integer> sizes = new ArrayList<>();
        for (int b = 1; b <= maxBatch; b = b < EVERY_SIZE_UP_TO ? b + 1 : b * 2) {
            sizes.add(b);
        }
        if (sizes.get(sizes.size() - 1) != maxBatch) {
            sizes.add(maxBatch);
        }
        return sizes.stream().mapToInt(Integer::intValue).toArray();
    }

    /** The smallest of {@code sizes} whose rate is within {@link #TOLERANCE} of the best. */
    static int limit(int[] sizes, double[] imagesPerSecond) {
        double best = Arrays.stream(imagesPerSecond).max().orElseThrow();
        for (int i = 0; i < sizes.length; i++) {
            if (imagesPerSecond[i] >= (1 - TOLERANCE) * best) {
                return sizes[i];
            }
        }
        throw new IllegalArgumentException("rates must be finite, got " + Arrays.toString(imagesPerSecond));
    }

    /**
     * Times {@code pass} (the nanoseconds of one forward pass at the given batch size) at the
     * {@linkplain #ladder ladder's} sizes up to {@code maxBatch}: after the {@linkplain #warmUp
     * warm-up}, one untimed pass at each size (it builds that size's kernels, so the first real batch
     * of that size is not slower either), then {@link #SWEEPS} sweeps of {@link #PASSES} passes at
     * each size; the fastest pass counts.
     */
    public static BatchProfile measure(int maxBatch, IntToLongFunction pass) {
        int[] sizes = ladder(maxBatch);
        warmUp(pass);
        long[] fastest = new long[sizes.length];
        Arrays.fill(fastest, Long.MAX_VALUE);
        for (int size : sizes) {
            pass.applyAsLong(size);
        }
        for (int sweep = 0; sweep < SWEEPS; sweep++) {
            for (int i = 0; i < sizes.length; i++) {
                for (int p = 0; p < PASSES; p++) {
                    fastest[i] = Math.min(fastest[i], pass.applyAsLong(sizes[i]));
                }
            }
        }
        double[] rates = new double[sizes.length];
        for (int i = 0; i < sizes.length; i++) {
            rates[i] = sizes[i] * 1e9 / Math.max(1, fastest[i]);
        }
        return new BatchProfile(sizes, rates, limit(sizes, rates));
    }

    /**
     * Passes at batch 1, in blocks of {@link #WARM_UP_BLOCK}, until a block's fastest pass is not 3%
     * faster than the block before's, or {@link #WARM_UP_LIMIT_NANOS} of passes; returns how many ran.
     * A model is timed as it loads, often in a JVM that has not compiled DL4J's graph code yet, and a
     * cold pass's Java overhead is the same at every batch size: it makes small batches look slower
     * than they are, and batching more worthwhile. U-Net width 8 at 128 px, timed in a fresh JVM
     * without this warm-up, ran 87 images/s at batch 1 against 155 timed in a warm one.
     */
    static int warmUp(IntToLongFunction pass) {
        long spent = 0;
        long previous = Long.MAX_VALUE;
        int passes = 0;
        while (spent < WARM_UP_LIMIT_NANOS) {
            long fastest = Long.MAX_VALUE;
            for (int i = 0; i < WARM_UP_BLOCK; i++) {
                long nanos = pass.applyAsLong(1);
                fastest = Math.min(fastest, nanos);
                spent += nanos;
                passes++;
            }
            if (fastest >= 0.97 * previous) {
                break;
            }
            previous = fastest;
        }
        return passes;
    }

    /** Rounded images/s by batch size, in ascending order. */
    public Map<Integer, Long> bySize() {
        Map<Integer, Long> rates = new LinkedHashMap<>();
        for (int i = 0; i < sizes.length; i++) {
            rates.put(sizes[i], Math.round(imagesPerSecond[i]));
        }
        return rates;
    }
}
