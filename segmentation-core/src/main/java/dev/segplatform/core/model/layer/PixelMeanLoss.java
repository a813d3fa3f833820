package dev.segplatform.core.model.layer;

import java.util.Objects;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.lossfunctions.ILossFunction;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * A per-pixel loss turned into a weighted mean over the pixels of one output.
 *
 * <p>DL4J's {@code CnnLossLayer} sums its loss over every pixel of an image and divides by the
 * minibatch size only, so a 128x128 output weighs 16 times more than a 32x32 one and the score is
 * in the thousands. This wrapper multiplies score and gradient by {@code weight / pixelsPerImage},
 * which makes each output's loss the mean per-pixel cross-entropy (about ln 3 = 1.10 for an
 * untrained 3-class net) times its weight.
 *
 * <p>That is how ICNet's cascade label guidance is weighted: the graph's score is the sum over its
 * outputs, so with weights (0.4, 0.4, 1.0) on the outputs at 1/16, 1/8 and 1/4 it is exactly the
 * paper's {@code 0.4 L_16 + 0.4 L_8 + 1.0 L_4} with each {@code L} a per-pixel mean, independent
 * of how many pixels each resolution has. (LossMCXENT's own weights are per class, not per output.)
 * U-Net and PSPNet use weight 1.
 */
public class PixelMeanLoss implements ILossFunction {

    @JsonProperty
    private ILossFunction loss;
    @JsonProperty
    private double weight;
    @JsonProperty
    private long pixelsPerImage;

    /** For Jackson. */
    protected PixelMeanLoss() {
    }

    /**
     * @param loss the per-pixel loss to scale (softmax cross-entropy here)
     * @param weight the output's weight in the total loss
     * @param pixelsPerImage height x width of the output this loss is attached to
     */
    public PixelMeanLoss(ILossFunction loss, double weight, long pixelsPerImage) {
        if (!(weight > 0) || Double.isInfinite(weight)) {
            throw new IllegalArgumentException("weight must be positive and finite, got " + weight);
        }
        if (pixelsPerImage < 1) {
            throw new IllegalArgumentException("pixelsPerImage must be positive, got " + pixelsPerImage);
        }
        this.loss = Objects.requireNonNull(loss, "loss");
        this.weight = weight;
        this.pixelsPerImage = pixelsPerImage;
    }

    /** Weighted mean multi-class cross-entropy, the loss of every network here. */
    public static PixelMeanLoss crossEntropy(double weight, long pixelsPerImage) {
        return new PixelMeanLoss(new LossMCXENT(), weight, pixelsPerImage);
    }

    public double weight() {
        return weight;
    }

    public long pixelsPerImage() {
        return pixelsPerImage;
    }

    /** What score and gradient are multiplied by: {@code weight / pixelsPerImage}. */
    double factor() {
        return weight / pixelsPerImage;
    }

    /** Whether the wrapped loss is LossMCXENT without class weights. */
    boolean isPlainCrossEntropy() {
        return isCrossEntropy() && ((LossMCXENT) loss).getWeights() == null;
    }

    /** Whether the wrapped loss is LossMCXENT itself (class weights or not), as {@link PixelSoftmaxLossImpl} computes it. */
    boolean isCrossEntropy() {
        return loss instanceof LossMCXENT m && m.getClass() == LossMCXENT.class;
    }

    /** LossMCXENT's class weights as floats, or null for none. */
    float[] classWeights() {
        INDArray w = ((LossMCXENT) loss).getWeights();
        return w == null ? null : w.toFloatVector();
    }

    /** LossMCXENT's lower clip of probabilities inside the logarithm. */
    double clipEpsilon() {
        return ((LossMCXENT) loss).getSoftmaxClipEps();
    }

    @Override
    public double computeScore(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask,
            boolean average) {
        return loss.computeScore(labels, preOutput, activationFn, mask, average) * factor();
    }

    @Override
    public INDArray computeScoreArray(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask) {
        return loss.computeScoreArray(labels, preOutput, activationFn, mask).muli(factor());
    }

    @Override
    public INDArray computeGradient(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask) {
        return loss.computeGradient(labels, preOutput, activationFn, mask).muli(factor());
    }

    @Override
    public Pair<Double, INDArray> computeGradientAndScore(INDArray labels, INDArray preOutput,
            IActivation activationFn, INDArray mask, boolean average) {
        return new Pair<>(computeScore(labels, preOutput, activationFn, mask, average),
                computeGradient(labels, preOutput, activationFn, mask));
    }

    @Override
    public String name() {
        return "PixelMean(" + loss.name() + ", weight=" + weight + ")";
    }

    @Override
    public String toString() {
        return name();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PixelMeanLoss other && other.weight == weight && other.pixelsPerImage == pixelsPerImage
                && other.loss.equals(loss);
    }

    @Override
    public int hashCode() {
        return Objects.hash(loss, weight, pixelsPerImage);
    }
}
