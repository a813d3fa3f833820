package dev.segplatform.core.model.layer.legacy;

import dev.segplatform.core.model.layer.FastConvolution;
import dev.segplatform.core.model.layer.LayerWiring;
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
 * Moves the {@code d x d} phases of an NCHW activation into the batch ({@link Direction#TO_BATCH}:
 * {@code [B, C, H, W] -> [d*d*B, C, ceil(H/d), ceil(W/d)]}, zero-padded at the bottom and right when
 * {@code d} does not divide the size) or back ({@link Direction#TO_SPACE}, cropping the padding).
 * Between the two, a 3x3 convolution with dilation 1 and "same" padding computes exactly the 3x3
 * convolution with dilation {@code d} of the original activation, because the taps {@code y - d, y,
 * y + d} of one output pixel all lie in its phase, and what falls outside the image is zero in both.
 *
 * <p>Why: ND4J M2.1's oneDNN convolution refuses dilated kernels ("could not create a descriptor for
 * a dilated convolution"), and DL4J then falls back, on every call, to its much slower Java im2col
 * path. Batch norm may sit in between too: its statistics over {@code (batch, H, W)} see
 * the same elements in either layout. The networks now run dilated kernels directly in oneDNN
 * ({@link FastConvolution}, faster than this); the layer stays so that bundles trained with it
 * still load (see {@code GraphArchive}).
 */
public class PhaseShuffle extends NoParamLayer {

    /** Which way the phases move. */
    public enum Direction {
        TO_BATCH, TO_SPACE
    }

    @JsonProperty
    private int factor;
    @JsonProperty
    private Direction direction;
    @JsonProperty
    private int height;
    @JsonProperty
    private int width;

    /** For Jackson. */
    protected PhaseShuffle() {
    }

    /**
     * @param factor the dilation {@code d}
     * @param direction which way
     * @param height the activation's height in the spatial layout (before TO_BATCH, after TO_SPACE)
     * @param width likewise
     */
    public PhaseShuffle(int factor, Direction direction, int height, int width) {
        if (factor < 2) {
            throw new IllegalArgumentException("factor must be at least 2, got " + factor);
        }
        if (height < 1 || width < 1) {
            throw new IllegalArgumentException("size must be positive, got " + height + "x" + width);
        }
        this.factor = factor;
        this.direction = Objects.requireNonNull(direction, "direction");
        this.height = height;
        this.width = width;
    }

    public int getFactor() {
        return factor;
    }

    public Direction getDirection() {
        return direction;
    }

    public int getHeight() {
        return height;
    }

    public int getWidth() {
        return width;
    }

    /** Height of one phase: {@code ceil(height / factor)}. */
    int phaseHeight() {
        return (height + factor - 1) / factor;
    }

    int phaseWidth() {
        return (width + factor - 1) / factor;
    }

    @Override
    public org.deeplearning4j.nn.api.Layer instantiate(NeuralNetConfiguration conf,
            Collection<TrainingListener> trainingListeners, int layerIndex, INDArray layerParamsView,
            boolean initializeParams, DataType networkDataType) {
        return LayerWiring.wire(new PhaseShuffleImpl(conf, networkDataType), conf, trainingListeners, layerIndex, layerParamsView,
                initializeParams);
    }

    @Override
    public void setNIn(InputType inputType, boolean override) {
        InputType.InputTypeConvolutional in = LayerWiring.convolutional("PhaseShuffle", inputType);
        long expectedHeight = direction == Direction.TO_BATCH ? height : phaseHeight();
        long expectedWidth = direction == Direction.TO_BATCH ? width : phaseWidth();
        if (in.getHeight() != expectedHeight || in.getWidth() != expectedWidth) {
            throw new IllegalArgumentException(getLayerName() + ": expected a " + expectedHeight + "x" + expectedWidth
                    + " input, the graph gives " + in.getHeight() + "x" + in.getWidth());
        }
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType inputType) {
        long channels = LayerWiring.convolutional("PhaseShuffle", inputType).getChannels();
        return direction == Direction.TO_BATCH
                ? InputType.convolutional(phaseHeight(), phaseWidth(), channels)
                : InputType.convolutional(height, width, channels);
    }

    @Override
    public InputPreProcessor getPreProcessorForInputType(InputType inputType) {
        LayerWiring.convolutional("PhaseShuffle", inputType);
        return null;
    }

    @Override
    public LayerMemoryReport getMemoryReport(InputType inputType) {
        InputType out = getOutputType(-1, inputType);
        return new LayerMemoryReport.Builder(getLayerName(), getClass(), inputType, out)
                .standardMemory(0, 0)
                .workingMemory(0, out.arrayElementsPerExample(), MemoryReport.CACHE_MODE_ALL_ZEROS,
                        MemoryReport.CACHE_MODE_ALL_ZEROS)
                .cacheMemory(MemoryReport.CACHE_MODE_ALL_ZEROS, MemoryReport.CACHE_MODE_ALL_ZEROS)
                .build();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PhaseShuffle p && o.getClass() == getClass() && super.equals(o) && p.factor == factor
                && p.direction == direction && p.height == height && p.width == width;
    }

    @Override
    public int hashCode() {
        return Objects.hash(super.hashCode(), factor, direction, height, width);
    }
}
