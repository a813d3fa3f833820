package dev.segplatform.core.metrics;

import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Pixel counts by (true class, predicted class), from which pixel accuracy and intersection over
 * union are derived. Accumulate over a whole validation set first, then read the metrics: a mean
 * of per-batch IoUs is not the IoU of the set.
 *
 * <p>IoU of a class is {@code TP / (TP + FP + FN)}. A class that appears neither in the truth nor
 * in the predictions has no IoU ({@code NaN}) and is left out of {@link #meanIou()}, so a class
 * that is simply absent from a small sample neither helps nor hurts. A class predicted but never
 * true has IoU 0 and counts.
 *
 * <p>Mutable and not thread-safe: give each thread its own matrix and {@link #merge} them.
 */
public final class ConfusionMatrix {

    private final long[][] counts;

    public ConfusionMatrix(int numClasses) {
        if (numClasses < 1) {
            throw new IllegalArgumentException("numClasses must be positive, got " + numClasses);
        }
        counts = new long[numClasses][numClasses];
    }

    public int numClasses() {
        return counts.length;
    }

    /** Pixels of true class {@code truth} predicted as {@code predicted}. */
    public long count(int truth, int predicted) {
        return counts[truth][predicted];
    }

    /** A copy of the counts, {@code [truth][predicted]}. */
    public long[][] counts() {
        long[][] copy = new long[counts.length][];
        for (int i = 0; i < counts.length; i++) {
            copy[i] = counts[i].clone();
        }
        return copy;
    }

    public long total() {
        long t = 0;
        for (long[] row : counts) {
            for (long v : row) {
                t += v;
            }
        }
        return t;
    }

    /** Pixels whose true class is {@code c}. */
    public long truthCount(int c) {
        return Arrays.stream(counts[c]).sum();
    }

    /** Pixels predicted as {@code c}. */
    public long predictedCount(int c) {
        long s = 0;
        for (long[] row : counts) {
            s += row[c];
        }
        return s;
    }

    /** Adds one pixel per position of two equally long class-index arrays. */
    public ConfusionMatrix add(int[] truth, int[] predicted) {
        if (truth.length != predicted.length) {
            throw new IllegalArgumentException(truth.length + " true pixels but " + predicted.length + " predicted");
        }
        for (int i = 0; i < truth.length; i++) {
            int t = truth[i];
            int p = predicted[i];
            if (t < 0 || t >= counts.length || p < 0 || p >= counts.length) {
                throw new IllegalArgumentException("class out of range at " + i + ": truth " + t + ", predicted " + p);
            }
            counts[t][p]++;
        }
        return this;
    }

    /**
     * Adds one-hot labels against predicted probabilities (or scores), both {@code [B, C, H, W]}:
     * each pixel's class is the argmax over channels, the first one on ties.
     */
    public ConfusionMatrix add(INDArray labelsOneHot, INDArray probabilities) {
        if (!Arrays.equals(labelsOneHot.shape(), probabilities.shape())) {
            throw new IllegalArgumentException("labels " + Arrays.toString(labelsOneHot.shape())
                    + " and predictions " + Arrays.toString(probabilities.shape()) + " differ in shape");
        }
        if (labelsOneHot.rank() != 4 || labelsOneHot.size(1) != counts.length) {
            throw new IllegalArgumentException("expected [B, " + counts.length + ", H, W], got "
                    + Arrays.toString(labelsOneHot.shape()));
        }
        return add(argmaxOverChannels(labelsOneHot), argmaxOverChannels(probabilities));
    }

    /** Class index per pixel of a {@code [B, C, H, W]} array, flattened in B, H, W order. */
    public static int[] argmaxOverChannels(INDArray scores) {
        // dup('c') gives a fresh buffer holding exactly this array, even when argMax returned a view.
        return scores.argMax(1).castTo(DataType.INT).dup('c').data().asInt();
    }

    /** All counts of {@code other} added to this matrix's counts, as a new matrix. */
    public ConfusionMatrix merge(ConfusionMatrix other) {
        if (other.numClasses() != numClasses()) {
            throw new IllegalArgumentException(other.numClasses() + " classes vs " + numClasses());
        }
        ConfusionMatrix sum = new ConfusionMatrix(numClasses());
        for (int t = 0; t < counts.length; t++) {
            for (int p = 0; p < counts.length; p++) {
                sum.counts[t][p] = counts[t][p] + other.counts[t][p];
            }
        }
        return sum;
    }

    /** Correct pixels over all pixels; NaN when empty. */
    public double pixelAccuracy() {
        long total = total();
        if (total == 0) {
            return Double.NaN;
        }
        long correct = 0;
        for (int c = 0; c < counts.length; c++) {
            correct += counts[c][c];
        }
        return (double) correct / total;
    }

    /** IoU of class {@code c}; NaN when it is neither true nor predicted anywhere. */
    public double iou(int c) {
        long tp = counts[c][c];
        long union = truthCount(c) + predictedCount(c) - tp;
        return union == 0 ? Double.NaN : (double) tp / union;
    }

    public double[] perClassIou() {
        double[] iou = new double[counts.length];
        for (int c = 0; c < iou.length; c++) {
            iou[c] = iou(c);
        }
        return iou;
    }

    /** Mean of the defined per-class IoUs; NaN when none is defined (empty matrix). */
    public double meanIou() {
        double sum = 0;
        int n = 0;
        for (double v : perClassIou()) {
            if (!Double.isNaN(v)) {
                sum += v;
                n++;
            }
        }
        return n == 0 ? Double.NaN : sum / n;
    }

    /** The class with most true pixels (the lowest index on ties). */
    public int majorityClass() {
        int best = 0;
        for (int c = 1; c < counts.length; c++) {
            if (truthCount(c) > truthCount(best)) {
                best = c;
            }
        }
        return best;
    }

    /**
     * The matrix a model would get by predicting the majority class everywhere on the same truth:
     * the bar a trained network must clear ({@code majorityBaseline().pixelAccuracy()} and
     * {@code .meanIou()}).
     */
    public ConfusionMatrix majorityBaseline() {
        int m = majorityClass();
        ConfusionMatrix baseline = new ConfusionMatrix(numClasses());
        for (int t = 0; t < counts.length; t++) {
            baseline.counts[t][m] = truthCount(t);
        }
        return baseline;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("ConfusionMatrix[truth x predicted]");
        for (long[] row : counts) {
            sb.append('\n').append(Arrays.toString(row));
        }
        return sb.toString();
    }
}
