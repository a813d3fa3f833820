package dev.segplatform.core.model.layer;

import dev.segplatform.core.model.kernel.Resampling;
import java.util.Collection;
import java.util.Objects;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.NoParamLayer;
import org.deeplearning4j.nn.conf.memory.LayerMemoryReport;
import org.deeplearning4j.nn.conf.memory.MemoryReport;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * Configuration of a parameter-free layer that maps an NCHW activation of {@code H x W} to
 * {@code outHeight x outWidth} with fixed row and column matrices (see {@link Resampling}); its
 * backward pass is the product with the transposed matrices ({@link SeparableResampleImpl}).
 *
 * <p>Why not a {@code SameDiffLambdaLayer}: in DL4J 1.0.0-M2.1 the gradient a lambda layer passes
 * back to its input is twice the true one (even for {@code x * 1}; measured against finite
 * differences), which would silently distort training of every layer below it.
 *
 * <p>The input height, width and channel count are learnt from the graph's input types (DL4J calls
 * {@link #setNIn}), so a network must declare its input type. Fields carry the shaded Jackson
 * annotations because DL4J serialises layer configurations with its own Jackson.
 */
public abstract class SeparableResampleLayer extends NoParamLayer implements InputGradients.Skippable {

    @JsonProperty
    private int outHeight;
    @JsonProperty
    private int outWidth;
    @JsonProperty
    private int inHeight;
    @JsonProperty
    private int inWidth;
    @JsonProperty
    private int channels;
    /** False where nothing upstream has parameters (see {@link InputGradients}); absent in older bundles. */
    @JsonProperty
    private boolean inputGradient = true;

    /** For Jackson. */
    protected SeparableResampleLayer() {
    }

    protected SeparableResampleLayer(int outHeight, int outWidth) {
        if (outHeight < 1 || outWidth < 1) {
            throw new IllegalArgumentException("output size must be positive, got " + outHeight + "x" + outWidth);
        }
        this.outHeight = outHeight;
        this.outWidth = outWidth;
    }

    /** The {@code [out][in]} weights applied along one axis. */
    protected abstract double[][] axisWeights(int in, int out);

    public int getOutHeight() {
        return outHeight;
    }

    public int getOutWidth() {
        return outWidth;
    }

    public int inHeight() {
        return inHeight;
    }

    public int inWidth() {
        return inWidth;
    }

    @Override
    public org.deeplearning4j.nn.api.Layer instantiate(NeuralNetConfiguration conf,
            Collection<TrainingListener> trainingListeners, int layerIndex, INDArray layerParamsView,
            boolean initializeParams, DataType networkDataType) {
        return LayerWiring.wire(new SeparableResampleImpl(conf, networkDataType), conf, trainingListeners, layerIndex, layerParamsView,
                initializeParams);
    }

    @Override
    public void setNIn(InputType inputType, boolean override) {
        InputType.InputTypeConvolutional conv = LayerWiring.convolutional(getClass().getSimpleName(), inputType);
        inHeight = (int) conv.getHeight();
        inWidth = (int) conv.getWidth();
        channels = (int) conv.getChannels();
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType inputType) {
        return InputType.convolutional(outHeight, outWidth, LayerWiring.convolutional(getClass().getSimpleName(), inputType).getChannels());
    }

    @Override
    public InputPreProcessor getPreProcessorForInputType(InputType inputType) {
        LayerWiring.convolutional(getClass().getSimpleName(), inputType);
        return null;
    }

    @Override
    public LayerMemoryReport getMemoryReport(InputType inputType) {
        InputType out = getOutputType(-1, inputType);
        // Working memory: the column-resized copy and its transpose, about one output each.
        long working = out.arrayElementsPerExample() * 2;
        return new LayerMemoryReport.Builder(getLayerName(), getClass(), inputType, out)
                .standardMemory(0, 0)
                .workingMemory(0, working, MemoryReport.CACHE_MODE_ALL_ZEROS, MemoryReport.CACHE_MODE_ALL_ZEROS)
                .cacheMemory(MemoryReport.CACHE_MODE_ALL_ZEROS, MemoryReport.CACHE_MODE_ALL_ZEROS)
                .build();
    }

    @Override
    public void skipInputGradient() {
        inputGradient = false;
    }

    @Override
    public boolean computesInputGradient() {
        return inputGradient;
    }

    @Override
    public boolean equals(Object o) {
        return o != null && o.getClass() == getClass() && super.equals(o)
                && ((SeparableResampleLayer) o).outHeight == outHeight && ((SeparableResampleLayer) o).outWidth == outWidth
                && ((SeparableResampleLayer) o).inHeight == inHeight && ((SeparableResampleLayer) o).inWidth == inWidth
                && ((SeparableResampleLayer) o).channels == channels
                && ((SeparableResampleLayer) o).inputGradient == inputGradient;
    }

    @Override
    public int hashCode() {
        return Objects.hash(super.hashCode(), outHeight, outWidth, inHeight, inWidth, channels, inputGradient);
    }
}
