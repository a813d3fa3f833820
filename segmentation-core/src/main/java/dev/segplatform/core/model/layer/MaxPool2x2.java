package dev.segplatform.core.model.layer;

import dev.segplatform.core.model.kernel.MaxPooling;
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
 * A folded inference graph's stand-in for a 2x2, stride-2 max-pooling {@code SubsamplingLayer}
 * (U-Net's and VGG's): the same function on float NCHW arrays, computed by {@link MaxPooling}
 * rather than ND4J's op, forward only. {@code keepPartial} is the {@code Same} mode's last row and
 * column of an odd-sized input.
 */
public class MaxPool2x2 extends NoParamLayer {

    @JsonProperty
    private boolean keepPartial;

    /** For Jackson. */
    protected MaxPool2x2() {
    }

    public MaxPool2x2(boolean keepPartial) {
        this.keepPartial = keepPartial;
    }

    public boolean keepsPartial() {
        return keepPartial;
    }

    @Override
    public org.deeplearning4j.nn.api.Layer instantiate(NeuralNetConfiguration conf,
            Collection<TrainingListener> trainingListeners, int layerIndex, INDArray layerParamsView,
            boolean initializeParams, DataType networkDataType) {
        return LayerWiring.wire(new MaxPool2x2Impl(conf, networkDataType), conf, trainingListeners, layerIndex, layerParamsView,
                initializeParams);
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType inputType) {
        InputType.InputTypeConvolutional in = LayerWiring.convolutional("MaxPool2x2", inputType);
        return InputType.convolutional(MaxPooling.outputSize(in.getHeight(), keepPartial),
                MaxPooling.outputSize(in.getWidth(), keepPartial), in.getChannels());
    }

    @Override
    public InputPreProcessor getPreProcessorForInputType(InputType inputType) {
        LayerWiring.convolutional("MaxPool2x2", inputType);
        return null;
    }

    @Override
    public LayerMemoryReport getMemoryReport(InputType inputType) {
        return new LayerMemoryReport.Builder(getLayerName(), getClass(), inputType, getOutputType(-1, inputType))
                .standardMemory(0, 0)
                .workingMemory(0, 0, MemoryReport.CACHE_MODE_ALL_ZEROS, MemoryReport.CACHE_MODE_ALL_ZEROS)
                .cacheMemory(MemoryReport.CACHE_MODE_ALL_ZEROS, MemoryReport.CACHE_MODE_ALL_ZEROS)
                .build();
    }

    @Override
    public boolean equals(Object o) {
        return o != null && o.getClass() == getClass() && super.equals(o) && ((MaxPool2x2) o).keepPartial == keepPartial;
    }

    @Override
    public int hashCode() {
        return Objects.hash(super.hashCode(), keepPartial);
    }
}
