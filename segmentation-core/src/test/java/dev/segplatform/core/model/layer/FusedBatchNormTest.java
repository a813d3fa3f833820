package dev.segplatform.core.model.layer;

import static dev.segplatform.core.model.layer.GraphChecks.gradient;
import static dev.segplatform.core.model.layer.GraphChecks.relativeDifference;
import static org.assertj.core.api.Assertions.assertThat;

import dev.segplatform.core.runtime.NativeBackend;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.CnnLossLayer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * {@link FusedBatchNorm} is DL4J's batch norm (and ReLU): in float, the same activations, parameter
 * gradients, running-estimate updates and, after some steps, the same parameters and inference
 * outputs as {@link BatchNormalization} + {@link ActivationLayer}; in double (DL4J's own path,
 * which gradient checks use) gradients that match finite differences.
 */
class FusedBatchNormTest {

    private static final int CHANNELS = 5;
    private static final int SIZE = 6;
    private static final int BATCH = 4;

    private static ComputationGraph graph(boolean fused, boolean relu, DataType type) {
        NeuralNetConfiguration.Builder conf = type == DataType.DOUBLE ? DoublePrecision.configuration(3)
                : new NeuralNetConfiguration.Builder()
                        .seed(3)
                        .dataType(type)
                        .updater(new Sgd(0.01))
                        .weightInit(WeightInit.XAVIER)
                        .convolutionMode(ConvolutionMode.Same);
        ComputationGraphConfiguration.GraphBuilder g = conf.graphBuilder()
                .addInputs("in")
                .setInputTypes(InputType.convolutional(SIZE, SIZE, 3))
                .addLayer("conv", new ConvolutionLayer.Builder(3, 3).nOut(CHANNELS).hasBias(false).build(), "in");
        String last = "norm";
        if (fused) {
            g.addLayer("norm", new FusedBatchNorm(relu), "conv");
        } else {
            g.addLayer("norm", new BatchNormalization.Builder().build(), "conv");
            if (relu) {
                g.addLayer("norm-relu", new ActivationLayer.Builder().activation(Activation.RELU).build(), "norm");
                last = "norm-relu";
            }
        }
        g.addLayer("head", new ConvolutionLayer.Builder(1, 1).nOut(2).activation(Activation.IDENTITY).build(), last)
                .addLayer("out", new CnnLossLayer.Builder(LossFunctions.LossFunction.MSE).activation(Activation.IDENTITY).build(),
                        "head")
                .setOutputs("out");
        ComputationGraph graph = new ComputationGraph(g.build());
        graph.init();
        return graph;
    }

    private static INDArray[] data(DataType type, long seed) {
        Nd4j.getRandom().setSeed(seed);
        // An offset and a scale, so the statistics are not those of unit noise.
        INDArray x = Nd4j.randn(type, BATCH, 3, SIZE, SIZE).muli(2).addi(0.7);
        INDArray y = Nd4j.randn(type, BATCH, 2, SIZE, SIZE);
        return new INDArray[] {x, y};
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void trainsExactlyLikeDl4jBatchNorm(boolean relu) {
        ComputationGraph fused = graph(true, relu, DataType.FLOAT);
        ComputationGraph reference = graph(false, relu, DataType.FLOAT);
        assertThat(fused.params()).isEqualTo(reference.params());
        assertTrainsLike(fused, "norm", reference, relu ? "norm-relu" : "norm", "norm_mean", CHANNELS);
    }

    /**
     * The same activations at {@code actualOut} / {@code expectedOut}, the same gradients, and after
     * five steps the same parameters (running estimates included, {@code meanParam} moved off zero)
     * and inference outputs.
     */
    private static void assertTrainsLike(ComputationGraph actual, String actualOut, ComputationGraph expected,
            String expectedOut, String meanParam, int channels) {
        INDArray[] batch = data(DataType.FLOAT, 7);
        assertThat(relativeDifference(actual.feedForward(batch[0], true).get(actualOut),
                expected.feedForward(batch[0], true).get(expectedOut))).isLessThan(1e-5);

        Gradient expectedGradient = gradient(expected, batch[0], batch[1]);
        Gradient actualGradient = gradient(actual, batch[0], batch[1]);
        assertThat(actualGradient.gradientForVariable().keySet())
                .containsExactlyInAnyOrderElementsOf(expectedGradient.gradientForVariable().keySet());
        for (String name : expectedGradient.gradientForVariable().keySet()) {
            assertThat(relativeDifference(actualGradient.getGradientFor(name), expectedGradient.getGradientFor(name))).as(name)
                    .isLessThan(1e-4);
        }

        for (int step = 0; step < 5; step++) {
            INDArray[] b = data(DataType.FLOAT, 100 + step);
            actual.fit(new INDArray[] {b[0]}, new INDArray[] {b[1]});
            expected.fit(new INDArray[] {b[0]}, new INDArray[] {b[1]});
        }
        // Parameters include the running mean and log10(std), so their updates are compared too.
        assertThat(actual.getParam(meanParam)).isNotEqualTo(Nd4j.zeros(DataType.FLOAT, 1, channels));
        assertThat(relativeDifference(actual.params(), expected.params())).isLessThan(1e-4);
        assertThat(relativeDifference(actual.outputSingle(false, batch[0]), expected.outputSingle(false, batch[0]))).isLessThan(1e-4);
    }

    @Test
    void doublePrecisionGradientsMatchFiniteDifferences() {
        DoublePrecision.run(() -> {
            ComputationGraph fused = graph(true, true, DataType.DOUBLE);
            INDArray[] batch = data(DataType.DOUBLE, 9);
            assertThat(DoublePrecision.gradientsMatchFiniteDifferences(fused, batch[0], batch[1], "norm_mean", "norm_log10stdev"))
                    .isTrue();
            return null;
        });
    }

    /** conv -> norm -> conv -> norm (no ReLU) -> head, 16 channels: every link {@link BlockedLinks} makes. */
    private static ComputationGraph chain(boolean linked) {
        ComputationGraphConfiguration.GraphBuilder g = new NeuralNetConfiguration.Builder()
                .seed(5)
                .dataType(DataType.FLOAT)
                .activation(Activation.IDENTITY)
                .updater(new Sgd(0.05))
                .weightInit(WeightInit.XAVIER)
                .convolutionMode(ConvolutionMode.Same)
                .graphBuilder()
                .addInputs("in")
                .setInputTypes(InputType.convolutional(SIZE, SIZE, 3))
                .addLayer("conv1", new FastConvolution.Builder(3, 3).nOut(16).hasBias(false).build(), "in")
                .addLayer("norm1", new FusedBatchNorm(true), "conv1")
                .addLayer("conv2", new FastConvolution.Builder(3, 3).nOut(16).hasBias(false).build(), "norm1")
                .addLayer("norm2", new FusedBatchNorm(false), "conv2")
                // DL4J's own layer, which reads NCHW: norm2 writes that.
                .addLayer("head", new ConvolutionLayer.Builder(1, 1).nOut(2).build(), "norm2")
                .addLayer("out", new CnnLossLayer.Builder(LossFunctions.LossFunction.MSE).activation(Activation.IDENTITY).build(),
                        "head")
                .setOutputs("out");
        ComputationGraphConfiguration conf = g.build();
        if (linked) {
            BlockedLinks.linkForTraining(conf);
        }
        ComputationGraph graph = new ComputationGraph(conf);
        graph.init();
        return graph;
    }

    private static Object layer(ComputationGraph graph, String name) {
        return graph.getLayer(name).conf().getLayer();
    }

    /**
     * A training graph whose convolutions and batch norms hand each other oneDNN's blocked layout
     * (the batch norms then run in oneDNN) computes what the same graph does in NCHW: outputs,
     * gradients, running estimates and parameters after some steps, and inference afterwards.
     */
    @Test
    void blockedLinksTrainLikeThePlainLayout() {
        ComputationGraph linked = chain(true);
        ComputationGraph plain = chain(false);
        assertThat(linked.params()).isEqualTo(plain.params());
        // The links this test is about are there: conv1 -> norm1 -> conv2 -> norm2, and norm2 hands NCHW to head.
        assertThat(((FastConvolution) layer(linked, "conv1")).isBlockedOutput()).isTrue();
        assertThat(((FusedBatchNorm) layer(linked, "norm1")).isBlockedInput()).isTrue();
        assertThat(((FusedBatchNorm) layer(linked, "norm1")).isBlockedOutput()).isTrue();
        assertThat(((FastConvolution) layer(linked, "conv2")).isBlockedInput()).isTrue();
        assertThat(((FastConvolution) layer(linked, "conv2")).isBlockedOutput()).isTrue();
        assertThat(((FusedBatchNorm) layer(linked, "norm2")).isBlockedOutput()).isFalse();

        assertTrainsLike(linked, "norm2", plain, "norm2", "norm1_mean", 16);
    }

    /** Where oneDNN is off, both ends of every link fall back to NCHW together. */
    @Test
    void blockedLinksFallBackTogetherWithoutOneDnn() {
        System.setProperty(NativeBackend.ONEDNN_CONVOLUTION_PROPERTY, "false");
        ComputationGraph linked;
        ComputationGraph plain;
        try {
            linked = chain(true);
            plain = chain(false);
        } finally {
            System.clearProperty(NativeBackend.ONEDNN_CONVOLUTION_PROPERTY);
        }
        INDArray[] batch = data(DataType.FLOAT, 8);
        for (int step = 0; step < 3; step++) {
            linked.fit(new INDArray[] {batch[0]}, new INDArray[] {batch[1]});
            plain.fit(new INDArray[] {batch[0]}, new INDArray[] {batch[1]});
        }
        assertThat(relativeDifference(linked.params(), plain.params())).isLessThan(1e-5);
    }

    @Test
    void survivesJsonAndKeepsTheReluSetting() {
        ComputationGraphConfiguration conf = graph(true, true, DataType.FLOAT).getConfiguration();
        ComputationGraphConfiguration restored = ComputationGraphConfiguration.fromJson(conf.toJson());
        assertThat(restored).isEqualTo(conf);
        FusedBatchNorm norm = (FusedBatchNorm) ((org.deeplearning4j.nn.conf.graph.LayerVertex) restored.getVertices().get("norm"))
                .getLayerConf().getLayer();
        assertThat(norm.isRelu()).isTrue();
        assertThat(restored).isNotEqualTo(graph(true, false, DataType.FLOAT).getConfiguration());

        ComputationGraphConfiguration linked = chain(true).getConfiguration();
        ComputationGraphConfiguration linkedRestored = ComputationGraphConfiguration.fromJson(linked.toJson());
        assertThat(linkedRestored).isEqualTo(linked).isNotEqualTo(chain(false).getConfiguration());
    }
}
