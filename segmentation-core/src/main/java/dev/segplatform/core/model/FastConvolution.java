package dev.segplatform.core.model;

import java.util.Collection;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * DL4J's 2-D convolution layer (same settings, parameters and JSON fields) whose float NCHW
 * forward and backward passes call oneDNN directly through {@link OneDnnConvolution}, with the
 * primitives built once per input shape; other cases (double precision, dilation, NHWC, another
 * activation, the CUDA backend, or {@code -Dsegplatform.onednn-convolution=false}) run DL4J's own
 * layer. See {@link OneDnnConvolution} for why.
 */
public class FastConvolution extends ConvolutionLayer {

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
        return GraphBlocks.wire(new FastConvolutionImpl(conf, networkDataType), conf, trainingListeners, layerIndex,
                layerParamsView, initializeParams);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FastConvolution && o.getClass() == getClass() && super.equals(o);
    }

    @Override
    public int hashCode() {
        return super.hashCode();
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
