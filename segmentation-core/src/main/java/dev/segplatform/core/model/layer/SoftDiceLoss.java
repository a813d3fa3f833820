package dev.segplatform.core.model.layer;

import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.lossfunctions.ILossFunction;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * Soft Dice loss over a minibatch of pixels: {@code 1 - (1/C) Σ_c D_c} with
 * {@code D_c = (2 Σ_i p_ic y_ic + s) / (Σ_i p_ic + Σ_i y_ic + s)}, {@code p} the softmax
 * probabilities, {@code y} the one-hot labels, {@code i} every pixel of every image in the batch
 * and {@code s} a smoothing term.
 *
 * <p>Why the batch and not each image: a class missing from one image (an image cropped inside the
 * pet has no border) would otherwise give that image's Dice a 0/0 that the smoothing turns into a
 * pull towards predicting nothing of it; over a batch every class is present. Why per class: each
 * class counts the same whatever its pixel count, which is what lets the thin border band matter.
 *
 * <p>How it fits DL4J's contract: {@code CnnLossLayer} hands a loss {@code [pixels, classes]} rows
 * and sums what {@link #computeScore} returns over the rows, then {@link PixelMeanLoss} divides
 * by pixels per image and the layer by the minibatch size. A set-level loss has no per-row
 * value, so this one reports {@code rows x loss} (each row carrying an equal share, which is also
 * what {@link #computeScoreArray} gives per row) and its gradient is that quantity's; after the
 * two divisions the output's score is the Dice loss itself. A mask (per row, or per row and class)
 * takes the masked entries out of every sum.
 */
public class SoftDiceLoss implements ILossFunction {

    @JsonProperty
    private double smooth;

    /** For Jackson. */
    protected SoftDiceLoss() {
    }

    /** @param smooth added to numerator and denominator; 1 keeps a class absent from the batch finite */
    public SoftDiceLoss(double smooth) {
        if (!(smooth > 0) || Double.isInfinite(smooth)) {
            throw new IllegalArgumentException("smooth must be positive and finite, got " + smooth);
        }
        this.smooth = smooth;
    }

    public double smooth() {
        return smooth;
    }

    /** Probabilities and labels with the mask applied, and the per-class sums of the Dice terms. */
    private record Terms(INDArray p, INDArray y, INDArray intersection, INDArray total) {
    }

    private Terms terms(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask) {
        if (!labels.equalShapes(preOutput) || labels.rank() != 2) {
            throw new IllegalArgumentException("labels and logits must both be [rows, classes], got "
                    + java.util.Arrays.toString(labels.shape()) + " and " + java.util.Arrays.toString(preOutput.shape()));
        }
        INDArray p = activationFn.getActivation(preOutput.dup(), true);
        INDArray y = labels.castTo(p.dataType());
        if (mask != null) {
            INDArray m = mask.castTo(p.dataType());
            if (m.size(1) == 1) {
                p.muliColumnVector(m);
                y = y.mulColumnVector(m);
            } else {
                p.muli(m);
                y = y.mul(m);
            }
        }
        INDArray intersection = p.mul(y).sum(0);
        INDArray total = p.sum(0).addi(y.sum(0));
        return new Terms(p, y, intersection, total);
    }

    /** {@code 1 - mean_c D_c}. */
    private double diceLoss(Terms t) {
        INDArray dice = t.intersection().mul(2).addi(smooth).divi(t.total().add(smooth));
        return 1 - dice.meanNumber().doubleValue();
    }

    @Override
    public double computeScore(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask,
            boolean average) {
        double loss = diceLoss(terms(labels, preOutput, activationFn, mask));
        return average ? loss : loss * labels.size(0);
    }

    @Override
    public INDArray computeScoreArray(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask) {
        double loss = diceLoss(terms(labels, preOutput, activationFn, mask));
        INDArray out = preOutput.ulike().reshape(preOutput.size(0), 1).assign(loss);
        return mask != null && mask.size(1) == 1 ? out.muli(mask.castTo(out.dataType())) : out;
    }

    @Override
    public INDArray computeGradient(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask) {
        Terms t = terms(labels, preOutput, activationFn, mask);
        long rows = labels.size(0);
        long classes = labels.size(1);
        // d(rows * loss)/dp_ic = -(rows / C) (2 y_ic (S_c + s) - (2 I_c + s)) / (S_c + s)^2
        INDArray denominator = t.total().add(smooth);
        INDArray numerator = t.intersection().mul(2).addi(smooth);
        INDArray dLdp = t.y().mulRowVector(denominator.mul(2)).subiRowVector(numerator)
                .diviRowVector(denominator.mul(denominator)).muli(-(double) rows / classes);
        if (mask != null) {
            INDArray m = mask.castTo(dLdp.dataType());
            if (m.size(1) == 1) {
                dLdp.muliColumnVector(m);
            } else {
                dLdp.muli(m);
            }
        }
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
        return "SoftDice(smooth=" + smooth + ")";
    }

    @Override
    public String toString() {
        return name();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SoftDiceLoss other && other.getClass() == getClass() && other.smooth == smooth;
    }

    @Override
    public int hashCode() {
        return Double.hashCode(smooth);
    }
}
