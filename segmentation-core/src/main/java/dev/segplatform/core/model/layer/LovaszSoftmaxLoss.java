package dev.segplatform.core.model.layer;

import java.util.Arrays;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.ILossFunction;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * The Lovász-softmax loss (Berman, Rannen Triki and Blaschko, CVPR 2018), per image over the classes
 * present in it: for image {@code n}, {@code L_n = mean over c in C_n of Σ_k e_c(k) g_c(k)}, where
 * {@code e_c} are the pixels' errors for class {@code c} ({@code 1 - p_ic} where the pixel is of
 * class {@code c}, {@code p_ic} where it is not) sorted descending, {@code g_c(k) = J_c(k) - J_c(k-1)}
 * and {@code J_c(k)} the Jaccard loss {@code 1 - (G - fn_k) / (G + fp_k)} of calling the first
 * {@code k} of them wrong ({@code G} the class's pixel count, {@code fn_k}/{@code fp_k} how many of
 * those {@code k} are of / not of the class), and {@code C_n} the classes the image's labels contain.
 *
 * <p>Why: that sum is the Lovász extension of the Jaccard loss, the tight convex surrogate of
 * {@code 1 - IoU} on the errors, so the net is trained on (a smooth version of) the metric it is
 * judged by, each class counting the same whatever its area. Why per image and present classes,
 * the paper's default: a class absent from an image has no IoU there to optimise (its Jaccard loss
 * would be 1 for any false positive), and per image every image weighs the same. Why exact: the
 * extension is piecewise linear in the errors, so away from ties in the sorted errors its gradient is
 * exactly {@code g} (times -1 for a pixel of the class, whose error falls as {@code p} rises), taken
 * back through the softmax by the activation; at a tie any order gives the same value.
 *
 * <p>How it fits DL4J's contract: {@code CnnLossLayer} hands a loss NCHW logits as {@code [pixels,
 * classes]} rows, image after image (each image's {@code pixelsPerImage} rows together), sums what
 * {@link #computeScore} returns, then {@link PixelMeanLoss} divides by pixels per image and the
 * layer by the minibatch size. So this reports {@code pixelsPerImage x Σ_n L_n} and its gradient
 * is that quantity's; after the two divisions the output's score is the mean of {@code L_n}. {@link
 * #computeScoreArray} spreads each image's share over its unmasked rows, so its rows add up to the
 * score. A mask entry of 0 (per row, or per row and class) leaves that pixel out of that class's
 * sort and counts; it gets no gradient.
 *
 * <p>Memory: the probabilities, labels and gradient as arrays of the rows' size, plus one sort
 * buffer of an image's pixels; nothing that grows faster than batch x pixels x classes.
 */
public class LovaszSoftmaxLoss implements ILossFunction {

    @JsonProperty
    private long pixelsPerImage;

    /** For Jackson. */
    protected LovaszSoftmaxLoss() {
    }

    /** @param pixelsPerImage height x width of the output, so that rows can be grouped by image */
    public LovaszSoftmaxLoss(long pixelsPerImage) {
        if (pixelsPerImage < 1) {
            throw new IllegalArgumentException("pixelsPerImage must be positive, got " + pixelsPerImage);
        }
        this.pixelsPerImage = pixelsPerImage;
    }

    public long pixelsPerImage() {
        return pixelsPerImage;
    }

    /** Each image's {@code L_n}, and the gradient of {@code pixelsPerImage x Σ_n L_n} w.r.t. p if wanted. */
    private record Result(double[] perImage, double[] dLdp, int rows, int classes) {
    }

    private Result compute(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask,
            boolean gradient) {
        if (!labels.equalShapes(preOutput) || labels.rank() != 2) {
            throw new IllegalArgumentException("labels and logits must both be [rows, classes], got "
                    + Arrays.toString(labels.shape()) + " and " + Arrays.toString(preOutput.shape()));
        }
        long rowCount = preOutput.size(0);
        if (rowCount % pixelsPerImage != 0) {
            throw new IllegalArgumentException(rowCount + " rows are not whole images of " + pixelsPerImage + " pixels");
        }
        int rows = Math.toIntExact(rowCount);
        int classes = Math.toIntExact(preOutput.size(1));
        Math.toIntExact(rowCount * classes); // the flat indexing below is int: fail on larger arrays, do not wrap
        int pixels = (int) pixelsPerImage;
        int images = rows / pixels;
        int maskColumns = 0;
        double[] m = null;
        if (mask != null) {
            if (mask.rank() != 2 || mask.size(0) != rowCount || (mask.size(1) != 1 && mask.size(1) != classes)) {
                throw new IllegalArgumentException("a mask must be [rows, 1] or [rows, classes], got "
                        + Arrays.toString(mask.shape()));
            }
            maskColumns = (int) mask.size(1);
            m = flat(mask);
        }
        double[] p = flat(activationFn.getActivation(preOutput.dup(), true));
        double[] y = flat(labels);
        double[] dLdp = gradient ? new double[p.length] : null;
        double[] perImage = new double[images];
        double[] errors = new double[pixels];
        int[] rowOf = new int[pixels];
        int[] positions = new int[pixels];
        int[] scratch = new int[pixels];
        int[] inClasses = new int[classes];
        for (int n = 0; n < images; n++) {
            int first = n * pixels;
            int present = 0;
            for (int c = 0; c < classes; c++) {
                inClasses[c] = classPixels(y, m, maskColumns, classes, first, pixels, c);
                present += inClasses[c] > 0 ? 1 : 0;
            }
            if (present == 0) {
                continue; // nothing labelled (all masked): no loss, no gradient
            }
            double share = (double) pixels / present;
            double loss = 0;
            for (int c = 0; c < classes; c++) {
                int inClass = inClasses[c];
                if (inClass == 0) {
                    continue;
                }
                int count = 0;
                for (int i = first; i < first + pixels; i++) {
                    if (included(m, maskColumns, i, c)) {
                        int k = i * classes + c;
                        errors[count] = isClass(y[k]) ? 1 - p[k] : p[k];
                        rowOf[count] = i;
                        count++;
                    }
                }
                int[] sorted = sortDescending(errors, positions, scratch, count);
                // The Lovász extension's gradient: the Jaccard loss's increments along the sorted errors.
                int falseNegatives = 0;
                int falsePositives = 0;
                double jaccardBefore = 0;
                double classLoss = 0;
                for (int k = 0; k < count; k++) {
                    int at = rowOf[sorted[k]] * classes + c;
                    boolean ofClass = isClass(y[at]);
                    if (ofClass) {
                        falseNegatives++;
                    } else {
                        falsePositives++;
                    }
                    double jaccard = 1 - (double) (inClass - falseNegatives) / (inClass + falsePositives);
                    double increment = jaccard - jaccardBefore;
                    jaccardBefore = jaccard;
                    classLoss += (ofClass ? 1 - p[at] : p[at]) * increment;
                    if (dLdp != null) {
                        dLdp[at] = (ofClass ? -increment : increment) * share;
                    }
                }
                loss += classLoss;
            }
            perImage[n] = loss / present;
        }
        return new Result(perImage, dLdp, rows, classes);
    }

    @Override
    public double computeScore(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask,
            boolean average) {
        Result r = compute(labels, preOutput, activationFn, mask, false);
        double sum = pixelsPerImage * Arrays.stream(r.perImage()).sum();
        return average ? sum / r.rows() : sum;
    }

    @Override
    public INDArray computeScoreArray(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask) {
        Result r = compute(labels, preOutput, activationFn, mask, false);
        int pixels = (int) pixelsPerImage;
        double[] m = mask == null ? null : flat(mask);
        int maskColumns = mask == null ? 0 : (int) mask.size(1);
        double[] out = new double[r.rows()];
        for (int n = 0; n < r.perImage().length; n++) {
            int first = n * pixels;
            int unmasked = 0;
            for (int i = first; i < first + pixels; i++) {
                unmasked += rowIncluded(m, maskColumns, i) ? 1 : 0;
            }
            for (int i = first; i < first + pixels; i++) {
                out[i] = rowIncluded(m, maskColumns, i) ? r.perImage()[n] * pixels / unmasked : 0;
            }
        }
        return Nd4j.createFromArray(out).reshape(r.rows(), 1).castTo(preOutput.dataType());
    }

    /** Whether any class of the row is unmasked. */
    private static boolean rowIncluded(double[] m, int maskColumns, int row) {
        if (m == null) {
            return true;
        }
        for (int c = 0; c < maskColumns; c++) {
            if (m[row * maskColumns + c] != 0) {
                return true;
            }
        }
        return false;
    }

    @Override
    public INDArray computeGradient(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask) {
        Result r = compute(labels, preOutput, activationFn, mask, true);
        INDArray dLdp = Nd4j.createFromArray(r.dLdp()).reshape(r.rows(), r.classes()).castTo(preOutput.dataType());
        return activationFn.backprop(preOutput.dup(), dLdp).getFirst();
    }

    @Override
    public Pair<Double, INDArray> computeGradientAndScore(INDArray labels, INDArray preOutput,
            IActivation activationFn, INDArray mask, boolean average) {
        return new Pair<>(computeScore(labels, preOutput, activationFn, mask, average),
                computeGradient(labels, preOutput, activationFn, mask));
    }

    @Override
    public String name() {
        return "LovaszSoftmax(pixelsPerImage=" + pixelsPerImage + ")";
    }

    @Override
    public String toString() {
        return name();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LovaszSoftmaxLoss other && other.getClass() == getClass()
                && other.pixelsPerImage == pixelsPerImage;
    }

    @Override
    public int hashCode() {
        return Long.hashCode(pixelsPerImage);
    }

    /** How many unmasked pixels of the image starting at row {@code first} are of class {@code c}. */
    private static int classPixels(double[] y, double[] m, int maskColumns, int classes, int first, int pixels, int c) {
        int count = 0;
        for (int i = first; i < first + pixels; i++) {
            if (isClass(y[i * classes + c]) && included(m, maskColumns, i, c)) {
                count++;
            }
        }
        return count;
    }

    /** One-hot labels: 1 marks the pixel's class. */
    private static boolean isClass(double label) {
        return label > 0.5;
    }

    private static boolean included(double[] m, int maskColumns, int row, int c) {
        return m == null || m[maskColumns == 1 ? row : row * maskColumns + c] != 0;
    }

    /** The array's entries in row-major order. */
    private static double[] flat(INDArray a) {
        return Nd4j.toFlattened('c', a).toDoubleVector();
    }

    /**
     * The positions {@code 0..count-1} ordered by {@code errors} at them, largest first, in {@code
     * positions} or {@code scratch} (whichever is returned): a bottom-up merge sort, stable, on
     * primitive arrays (a boxed comparator sort would allocate per pixel).
     */
    private static int[] sortDescending(double[] errors, int[] positions, int[] scratch, int count) {
        for (int k = 0; k < count; k++) {
            positions[k] = k;
        }
        int[] from = positions;
        int[] to = scratch;
        for (int width = 1; width < count; width *= 2) {
            for (int lo = 0; lo < count; lo += 2 * width) {
                int mid = Math.min(lo + width, count);
                int hi = Math.min(lo + 2 * width, count);
                int a = lo;
                int b = mid;
                for (int k = lo; k < hi; k++) {
                    to[k] = a < mid && (b >= hi || errors[from[a]] >= errors[from[b]]) ? from[a++] : from[b++];
                }
            }
            int[] swap = from;
            from = to;
            to = swap;
        }
        return from;
    }
}
