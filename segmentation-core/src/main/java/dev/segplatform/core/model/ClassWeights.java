package dev.segplatform.core.model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Class weights for the cross-entropy, computed from training masks.
 *
 * <p>Why weight at all: the trimap's border class is a few percent of the pixels, so unweighted
 * cross-entropy gains little from learning it and leaves its IoU near 0 for many epochs.
 * Median-frequency balancing (Eigen and Fergus) weighs class {@code c} by {@code median(f) / f_c},
 * {@code f_c} being the class's share of the training pixels: the median class keeps weight 1, a
 * rare class weighs more and a common one less.
 */
public final class ClassWeights {

    private static final double MAX = Double.parseDouble(ModelLimits.MAX_CLASS_WEIGHT);

    private ClassWeights() {
    }

    /**
     * Median-frequency weights from pixel counts per class. A class with no pixels gets 1 (it never
     * appears as a label, so its weight never multiplies anything); weights are capped at
     * {@link ModelLimits#MAX_CLASS_WEIGHT} so that one stray pixel cannot blow the loss up.
     *
     * @param pixelsPerClass training pixels of each class, by class index
     */
    public static List<Double> medianFrequency(long[] pixelsPerClass) {
        long total = Arrays.stream(pixelsPerClass).sum();
        if (pixelsPerClass.length < ModelLimits.MIN_NUM_CLASSES || total <= 0) {
            throw new IllegalArgumentException("median-frequency weights need pixels of at least "
                    + ModelLimits.MIN_NUM_CLASSES + " classes, got " + Arrays.toString(pixelsPerClass));
        }
        double[] present = Arrays.stream(pixelsPerClass).filter(n -> n > 0).mapToDouble(n -> (double) n / total)
                .sorted().toArray();
        int m = present.length;
        double median = m % 2 == 1 ? present[m / 2] : (present[m / 2 - 1] + present[m / 2]) / 2;
        List<Double> weights = new ArrayList<>(pixelsPerClass.length);
        for (long n : pixelsPerClass) {
            weights.add(n == 0 ? 1.0 : Math.min(MAX, median / ((double) n / total)));
        }
        return List.copyOf(weights);
    }
}
