package dev.segplatform.core.model.layer;

import dev.segplatform.core.model.kernel.OneDnnConvolution;
import java.util.Collection;
import java.util.Objects;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * DL4J's 2-D convolution layer (same settings, parameters and JSON fields) whose float NCHW
 * forward and backward passes call oneDNN directly through {@link OneDnnConvolution}, with the
 * primitives built once per input shape; other cases (double precision, NHWC, another
 * activation, the CUDA backend, or {@code -Dsegplatform.onednn-convolution=false}) run DL4J's own
 * layer. See {@link OneDnnConvolution} for why.
 */
public class FastConvolution extends ConvolutionLayer implements InputGradients.Skippable, BlockedLinks.End {

    /** False where nothing upstream has parameters (see {@link InputGradients}); absent in older bundles. */
    @JsonProperty
    private boolean inputGradient = true;
    /**
     * Whether a ReLU follows in the same layer: only in graphs folded for inference ({@code
     * InferenceGraph}), whose layers have no backward pass.
     */
    @JsonProperty
    private boolean fusedRelu;
    /**
     * Whether this layer's input, and whether its output, hold oneDNN's channel-blocked layout
     * ({@code nChw16c}) instead of NCHW: set by {@code InferenceGraph} between two convolutions
     * that only talk to each other, so that neither reorders the activation between them.
     */
    @JsonProperty
    private boolean blockedInput;
    @JsonProperty
    private boolean blockedOutput;
    /**
     * Whether the weights stay as they are once the layer has run: set by {@code InferenceGraph},
     * whose copies are never trained, so that oneDNN's reordered copy of them is made once per input
     * shape rather than on every call.
     */
    @JsonProperty
    private boolean fixedWeights;

    /** For Jackson. */
    protected FastConvolution() {
    }

    private FastConvolution(Builder builder) {
        super(builder);
    }

    @Override
    public org.deeplearning4j.nn.api.Layer instantiate(NeuralNetConfiguration conf,
            Collection<TrainingListener> trainingListeners, int layerIndex, INDArray layerParamsView,
            boolean initializeParams, DataType networkDataType) {
        return LayerWiring.wire(new FastConvolutionImpl(conf, networkDataType), conf, trainingListeners, layerIndex,
                layerParamsView, initializeParams);
    }

    @Override
    public void skipInputGradient() {
        inputGradient = false;
    }

    @Override
    public boolean computesInputGradient() {
        return inputGradient;
    }

    /** Whether convolutions run in oneDNN in this JVM (else in DL4J's layer). */
    public static boolean runsInOneDnn() {
        return FastConvolutionImpl.oneDnnEnabled();
    }

    public boolean isFusedRelu() {
        return fusedRelu;
    }

    public void setFusedRelu(boolean fusedRelu) {
        this.fusedRelu = fusedRelu;
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

    public boolean hasFixedWeights() {
        return fixedWeights;
    }

    public void setFixedWeights(boolean fixed) {
        fixedWeights = fixed;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FastConvolution f && o.getClass() == getClass() && f.inputGradient == inputGradient
                && f.fusedRelu == fusedRelu && f.blockedInput == blockedInput && f.blockedOutput == blockedOutput
                && f.fixedWeights == fixedWeights && super.equals(o);
    }

    @Override
    public int hashCode() {
        return Objects.hash(super.hashCode(), inputGradient, fusedRelu, blockedInput, blockedOutput, fixedWeights);
    }

    /** DL4J's convolution builder, building a {@link FastConvolution}. */
    public static final class Builder extends ConvolutionLayer.Builder {

        public Builder(int... kernelSize) {
            super(kernelSize);
        }

        @Override
        public FastConvolution build() {
            super.build(); // DL4J's validation of kernel, stride and padding
            return new FastConvolution(this);
        }
    }
}
