package dev.segplatform.core.model;

import dev.segplatform.core.model.layer.FastConvolution;
import dev.segplatform.core.model.layer.FusedBatchNorm;
import dev.segplatform.core.model.layer.PixelMeanLoss;
import dev.segplatform.core.model.layer.PixelSoftmaxLoss;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration.GraphBuilder;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.nd4j.linalg.activations.Activation;

/** Small wiring helpers shared by the network builders; each returns the name of its last vertex. */
final class GraphBlocks {

    private GraphBlocks() {
    }

    static String conv(GraphBuilder g, String name, String input, int nOut, int kernel, int stride, boolean bias) {
        return conv(g, name, input, nOut, kernel, stride, 1, bias);
    }

    /**
     * A convolution whose taps are {@code dilation} pixels apart. oneDNN runs dilated kernels
     * directly (see {@link FastConvolution}); ND4J's conv2d op refused them, which is why bundles
     * trained before FastConvolution carry {@code PhaseShuffle} layers
     * ({@code core.model.layer.legacy}) instead.
     */
    static String conv(GraphBuilder g, String name, String input, int nOut, int kernel, int stride, int dilation,
            boolean bias) {
        g.addLayer(name, new FastConvolution.Builder(kernel, kernel)
                .stride(stride, stride)
                .dilation(dilation, dilation)
                .nOut(nOut)
                .hasBias(bias)
                .build(), input);
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
        return convBnRelu(g, block, index, input, nOut, kernel, stride, 1);
    }

    /** {@link #convBnRelu(GraphBuilder, String, int, String, int, int, int)} with a dilated kernel. */
    static String convBnRelu(GraphBuilder g, String block, int index, String input, int nOut, int kernel, int stride,
            int dilation) {
        return batchNormRelu(g, block + "-bn" + index,
                conv(g, block + "-conv" + index, input, nOut, kernel, stride, dilation, false));
    }

    static String pool(GraphBuilder g, String name, String input, SubsamplingLayer.PoolingType type) {
        g.addLayer(name, new SubsamplingLayer.Builder(type).kernelSize(2, 2).stride(2, 2).build(), input);
        return name;
    }

    /** 1x1 classifier conv to {@code numClasses} logits. */
    static String classifier(GraphBuilder g, String name, String input, int numClasses) {
        return conv(g, name, input, numClasses, 1, 1, true);
    }

    /** Softmax over channels + a weighted per-pixel-mean loss, see {@link PixelSoftmaxLoss}. */
    static String lossOutput(GraphBuilder g, String name, String input, PixelMeanLoss loss) {
        g.addLayer(name, new PixelSoftmaxLoss(loss), input);
        return name;
    }
}
