package dev.segplatform.core.model.layer;

import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.lossfunctions.ILossFunction;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * The sum of several losses on the same output, e.g. cross-entropy plus {@link SoftDiceLoss}:
 * scores, per-row scores and gradients added term by term. DL4J has no such combinator (a
 * {@code CnnLossLayer} holds one loss), and two loss layers on one output would need two label
 * arrays.
 */
public class LossSum implements ILossFunction {

    @JsonProperty
    private ILossFunction[] terms;

    /** For Jackson. */
    protected LossSum() {
    }

    public LossSum(ILossFunction... terms) {
        if (terms.length == 0) {
            throw new IllegalArgumentException("a sum of losses needs at least one loss");
        }
        this.terms = terms.clone();
    }

    public List<ILossFunction> terms() {
        return List.of(terms);
    }

    @Override
    public double computeScore(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask,
            boolean average) {
        double score = 0;
        for (ILossFunction term : terms) {
            score += term.computeScore(labels, preOutput, activationFn, mask, average);
        }
        return score;
    }

    @Override
    public INDArray computeScoreArray(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask) {
        return sum(term -> term.computeScoreArray(labels, preOutput, activationFn, mask));
    }

    @Override
    public INDArray computeGradient(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask) {
        return sum(term -> term.computeGradient(labels, preOutput, activationFn, mask));
    }

    /** The terms' arrays added up, in place into the first term's (each term returns a new array). */
    private INDArray sum(Function<ILossFunction, INDArray> part) {
        INDArray sum = part.apply(terms[0]);
        for (int i = 1; i < terms.length; i++) {
            sum.addi(part.apply(terms[i]));
        }
        return sum;
    }

    @Override
    public Pair<Double, INDArray> computeGradientAndScore(INDArray labels, INDArray preOutput,
            IActivation activationFn, INDArray mask, boolean average) {
        return new Pair<>(computeScore(labels, preOutput, activationFn, mask, average),
                computeGradient(labels, preOutput, activationFn, mask));
    }

    @Override
    public String name() {
        return Arrays.stream(terms).map(ILossFunction::name).collect(Collectors.joining(" + "));
    }

    @Override
    public String toString() {
        return name();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LossSum other && other.getClass() == getClass() && Arrays.equals(other.terms, terms);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(terms);
    }
}
