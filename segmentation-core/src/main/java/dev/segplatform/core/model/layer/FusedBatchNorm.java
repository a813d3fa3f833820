package dev.segplatform.core.model.layer;

import java.util.Collection;
import java.util.Objects;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * DL4J's batch normalization, optionally followed by ReLU, computed in one pass per channel: the
 * same parameters ({@code gamma}, {@code beta}, {@code mean}, {@code log10stdev}), the same
 * training statistics and running-estimate updates, the same updater treatment (this is a
 * {@link BatchNormalization}), so a network using it is the network it replaces.
 *
 * <p>Why: on CPU, DL4J's oneDNN batch-norm path took a large share of a training step (separate ND4J
 * reductions for mean and variance, then oneDNN's plain-layout kernel, forward and backward), and
 * the {@code ActivationLayer} ReLU after it copies the activation twice more. {@link FusedBatchNormImpl}
 * reads a channel once, keeps it in cache for the statistics and the normalization, and writes it
 * once; backward likewise.
 */
public class FusedBatchNorm extends BatchNormalization implements BlockedLinks.End {

    @JsonProperty
    private boolean relu;
    /**
     * Whether this layer's input (and its gradient), and whether its output (and the gradient that
     * comes back to it), hold oneDNN's channel-blocked layout: set by {@link BlockedLinks} between a
     * training graph's convolutions and their batch norms, which then run in oneDNN ({@code
     * OneDnnBatchNorm}) and neither side reorders the activation.
     */
    @JsonProperty
    private boolean blockedInput;
    @JsonProperty
    private boolean blockedOutput;

    /** For Jackson; batch norm without ReLU. */
    public FusedBatchNorm() {
    }

    /** @param relu whether a ReLU follows the normalization */
    public FusedBatchNorm(boolean relu) {
        this.relu = relu;
    }

    public boolean isRelu() {
        return relu;
    }

    @Override
    public boolean isBlockedInput() {
        return blockedInput;
    }

    @Override
    public boolean isBlockedOutput() {
        return blockedOutput;
    }

    @Override
    public void setBlockedInput(boolean blocked) {
        blockedInput = blocked;
    }

    @Override
    public void setBlockedOutput(boolean blocked) {
        blockedOutput = blocked;
    }

    /**
     * What a trained layer of this kind computes at inference, per channel {@code y = x * scale +
     * shift} (then ReLU if it has one), as {@code {scale, shift}}; null when it is not a {@code
     * FusedBatchNorm} layer or its inference does not take the fast path. For folding it into the
     * convolution before it, without reaching into the runtime layer.
     */
    public static float[][] inferenceAffine(org.deeplearning4j.nn.api.Layer trained) {
        return trained instanceof FusedBatchNormImpl impl ? impl.inferenceAffine() : null;
    }

    @Override
    public org.deeplearning4j.nn.api.Layer instantiate(NeuralNetConfiguration conf,
            Collection<TrainingListener> trainingListeners, int layerIndex, INDArray layerParamsView,
            boolean initializeParams, DataType networkDataType) {
        return LayerWiring.wire(new FusedBatchNormImpl(conf, networkDataType), conf, trainingListeners, layerIndex,
                layerParamsView, initializeParams);
    }

    @Override
    public FusedBatchNorm clone() {
        return (FusedBatchNorm) super.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FusedBatchNorm f && o.getClass() == getClass() && f.relu == relu && f.blockedInput == blockedInput
                && f.blockedOutput == blockedOutput && super.equals(o);
    }

    @Override
    public int hashCode() {
        return Objects.hash(super.hashCode(), relu, blockedInput, blockedOutput);
    }
}
