package dev.segplatform.core.model;

import dev.segplatform.core.model.layer.FastConvolution;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration.GraphBuilder;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.layers.misc.FrozenLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * VGG16's convolution blocks as DL4J's model zoo builds them ({@code org.deeplearning4j.zoo.model.VGG16}:
 * 3x3 convolutions with bias, stride 1, padding 1 and ReLU, a 2x2 max pool after each block), wired as
 * the U-Net's encoder behind a fixed input normalisation. Layers: {@code vgg-input} (the
 * normalisation), {@code vgg<b>-conv<j>} + {@code vgg<b>-relu<j>}, {@code vgg<b>-pool}.
 *
 * <p>Frozen, every encoder layer is wrapped in DL4J's {@link FrozenLayer}: a ComputationGraph skips
 * a frozen vertex's backward pass altogether and its parameters get DL4J's no-op updater, so the
 * encoder costs only its forward pass. That is right here because nothing before the encoder
 * learns (DL4J's {@code FrozenLayerWithBackprop} would carry gradients through the encoder for
 * nobody). The normalisation is always frozen.
 *
 * <p>Each convolution is a {@link FastConvolution} without activation followed by a ReLU layer,
 * because the oneDNN path of FastConvolution runs only convolutions without activation.
 */
final class Vgg16Blocks {

    /** Filters of each block's convolutions, block 1 first. */
    static final int[][] BLOCKS = {{64, 64}, {128, 128}, {256, 256, 256}, {512, 512, 512}, {512, 512, 512}};
    static final String NORMALIZATION = "vgg-input";

    /**
     * The ImageNet means in BGR order on the 0-255 scale: the weights DL4J's zoo offers were
     * converted from Keras' VGG16, itself converted from the original Caffe model, which reads BGR
     * images with these means subtracted and no scaling (DL4J's own {@code VGG16ImagePreProcessor}
     * subtracts them from whatever order its loader gives).
     */
    static final double[] MEAN_BGR = {103.939, 116.779, 123.68};

    private Vgg16Blocks() {
    }

    /** What the encoder hands the decoder. */
    record Outputs(String[] skips, String last) {
    }

    /**
     * Adds the normalisation and the five blocks after {@code input}.
     *
     * @return each block's last ReLU (skip {@code b} at index {@code b}, 1-based, resolution 1/2^(b-1))
     *     and the last pool (1/32)
     */
    static Outputs wire(GraphBuilder g, String input, boolean frozen) {
        FastConvolution norm = (FastConvolution) new FastConvolution.Builder(1, 1).nOut(3).hasBias(true)
                .convolutionMode(ConvolutionMode.Same).activation(Activation.IDENTITY).build();
        g.addLayer(NORMALIZATION, new FrozenLayer(norm), input);
        String x = NORMALIZATION;
        String[] skips = new String[BLOCKS.length + 1];
        for (int b = 1; b <= BLOCKS.length; b++) {
            for (int j = 1; j <= BLOCKS[b - 1].length; j++) {
                FastConvolution conv = (FastConvolution) new FastConvolution.Builder(3, 3).stride(1, 1).nOut(BLOCKS[b - 1][j - 1])
                        .hasBias(true).convolutionMode(ConvolutionMode.Same).activation(Activation.IDENTITY).build();
                if (b == 1 && j == 1) {
                    // Its input is the fixed normalisation: nothing there to learn from a gradient.
                    conv.skipInputGradient();
                }
                String name = "vgg" + b + "-conv" + j;
                g.addLayer(name, layer(conv, frozen), x);
                x = "vgg" + b + "-relu" + j;
                g.addLayer(x, layer(new ActivationLayer.Builder().activation(Activation.RELU).build(), frozen), name);
            }
            skips[b] = x;
            String pool = "vgg" + b + "-pool";
            g.addLayer(pool, layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(2, 2)
                    .stride(2, 2).convolutionMode(ConvolutionMode.Truncate).build(), frozen), x);
            x = pool;
        }
        return new Outputs(skips, x);
    }

    private static Layer layer(Layer layer, boolean frozen) {
        return frozen ? new FrozenLayer(layer) : layer;
    }

    /** The names of the thirteen convolutions in order, block 1 first. */
    static String[] convolutions() {
        java.util.List<String> names = new java.util.ArrayList<>();
        for (int b = 1; b <= BLOCKS.length; b++) {
            for (int j = 1; j <= BLOCKS[b - 1].length; j++) {
                names.add("vgg" + b + "-conv" + j);
            }
        }
        return names.toArray(String[]::new);
    }

    /**
     * Sets the normalisation: input RGB in [0, 1] to BGR on the 0-255 scale minus the ImageNet
     * means, as a 1x1 convolution (output channel {@code c} reads input channel {@code 2 - c}).
     */
    static void setNormalization(ComputationGraph graph) {
        INDArray w = graph.paramTable().get(NORMALIZATION + "_W");
        INDArray bias = graph.paramTable().get(NORMALIZATION + "_b");
        w.assign(0);
        for (int c = 0; c < 3; c++) {
            w.putScalar(new long[] {c, 2 - c, 0, 0}, 255.0);
            bias.putScalar(c, -MEAN_BGR[c]);
        }
    }
}
