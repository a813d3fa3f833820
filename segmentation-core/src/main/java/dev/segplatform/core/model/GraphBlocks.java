package dev.segplatform.core.model;

import java.util.Collection;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration.GraphBuilder;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Small wiring helpers shared by the network builders; each returns the name of its last vertex. */
final class GraphBlocks {

    private GraphBlocks() {
    }

    static String conv(GraphBuilder g, String name, String input, int nOut, int kernel, int stride, boolean bias) {
        g.addLayer(name, new FastConvolution.Builder(kernel, kernel)
                .stride(stride, stride)
                .nOut(nOut)
                .hasBias(bias)
                .build(), input);
        return name;
    }

    /**
     * 3x3 convolution with dilation {@code dilation} (no bias) of a {@code size x size} input, as
     * {@code <name>-to-batch}, {@code <name>} (a plain 3x3 convolution) and {@code <name>-to-space}:
     * see {@link PhaseShuffle} for why and why it is exact. Consecutive dilated layers had better
     * share one {@link #toPhases}/{@link #fromPhases} pair: each shuffle is a copy of the activation.
     */
    static String dilatedConv(GraphBuilder g, String name, String input, int nOut, int dilation, int size) {
        String phases = toPhases(g, name + "-to-batch", input, dilation, size);
        return fromPhases(g, name + "-to-space", conv(g, name, phases, nOut, 3, 1, false), dilation, size);
    }

    /**
     * Moves the {@code d x d} phases of a {@code size x size} activation into the batch: a 3x3
     * convolution there is a 3x3 convolution with dilation {@code d} of the activation, and batch
     * norm and ReLU are unchanged by the move. See {@link PhaseShuffle}.
     */
    static String toPhases(GraphBuilder g, String name, String input, int d, int size) {
        g.addLayer(name, new PhaseShuffle(d, PhaseShuffle.Direction.TO_BATCH, size, size), input);
        return name;
    }

    /** The inverse of {@link #toPhases}, back to {@code size x size}. */
    static String fromPhases(GraphBuilder g, String name, String input, int d, int size) {
        g.addLayer(name, new PhaseShuffle(d, PhaseShuffle.Direction.TO_SPACE, size, size), input);
        return name;
    }

    static String batchNorm(GraphBuilder g, String name, String input) {
        g.addLayer(name, new FusedBatchNorm(false), input);
        return name;
    }

    /** Batch norm followed by ReLU, as one {@link FusedBatchNorm} layer {@code name}. */
    static String batchNormRelu(GraphBuilder g, String name, String input) {
        g.addLayer(name, new FusedBatchNorm(true), input);
        return name;
    }

    static String relu(GraphBuilder g, String name, String input) {
        g.addLayer(name, new ActivationLayer.Builder().activation(Activation.RELU).build(), input);
        return name;
    }

    /** Conv (no bias, BN supplies it) + BN and ReLU as {@code <block>-conv<i>} and {@code <block>-bn<i>}. */
    static String convBnRelu(GraphBuilder g, String block, int index, String input, int nOut, int kernel,
            int stride) {
        return batchNormRelu(g, block + "-bn" + index, conv(g, block + "-conv" + index, input, nOut, kernel, stride, false));
    }

    static String pool(GraphBuilder g, String name, String input, SubsamplingLayer.PoolingType type) {
        g.addLayer(name, new SubsamplingLayer.Builder(type).kernelSize(2, 2).stride(2, 2).build(), input);
        return name;
    }

    /** 1x1 classifier conv to {@code numClasses} logits. */
    static String classifier(GraphBuilder g, String name, String input, int numClasses) {
        return conv(g, name, input, numClasses, 1, 1, true);
    }

    /** Softmax over channels + weighted per-pixel-mean cross-entropy, see {@link PixelSoftmaxLoss}. */
    static String lossOutput(GraphBuilder g, String name, String input, double weight, long pixelsPerImage) {
        g.addLayer(name, new PixelSoftmaxLoss(weight, pixelsPerImage), input);
        return name;
    }

    /** The convolutional (NCHW) type a custom layer needs, or a clear error naming the layer. */
    static InputType.InputTypeConvolutional convolutional(String layer, InputType inputType) {
        if (!(inputType instanceof InputType.InputTypeConvolutional conv)) {
            throw new IllegalArgumentException(layer + " needs a convolutional (NCHW) input, got " + inputType);
        }
        return conv;
    }

    /**
     * What every custom layer's {@code instantiate} does with the runtime layer it made: listeners,
     * index, its slice of the network's parameters, the configuration.
     */
    static org.deeplearning4j.nn.api.Layer wire(org.deeplearning4j.nn.api.Layer layer, NeuralNetConfiguration conf,
            Collection<TrainingListener> listeners, int index, INDArray paramsView, boolean initializeParams) {
        layer.setListeners(listeners);
        layer.setIndex(index);
        layer.setParamsViewArray(paramsView);
        layer.setParamTable(conf.getLayer().initializer().init(conf, paramsView, initializeParams));
        layer.setConf(conf);
        return layer;
    }
}
