package dev.segplatform.core.model.layer;

import static dev.segplatform.core.model.layer.GraphChecks.gradient;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.CnnLossLayer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;

/**
 * {@link PixelSoftmaxLoss} computes what DL4J's {@link CnnLossLayer} with softmax and
 * {@link PixelMeanLoss#crossEntropy} computes: probabilities, score and the gradients of the layers
 * below, in float (its one-pass path) and, in double (DL4J's path), gradients that match finite
 * differences.
 */
class PixelSoftmaxLossTest {

    private static final double WEIGHT = 0.4;
    private static final int SIZE = 5;
    private static final int CLASSES = 3;

    private static ComputationGraph graph(boolean onePass, DataType type) {
        NeuralNetConfiguration.Builder conf = type == DataType.DOUBLE ? DoublePrecision.configuration(4)
                : new NeuralNetConfiguration.Builder().seed(4).dataType(type).updater(new Sgd(0.1)).weightInit(WeightInit.XAVIER);
        long pixels = SIZE * SIZE;
        Layer loss = onePass ? new PixelSoftmaxLoss(WEIGHT, pixels)
                : new CnnLossLayer.Builder(PixelMeanLoss.crossEntropy(WEIGHT, pixels)).activation(Activation.SOFTMAX).build();
        ComputationGraphConfiguration g = conf.graphBuilder()
                .addInputs("in")
                .setInputTypes(InputType.convolutional(SIZE, SIZE, 2))
                .addLayer("logits", new ConvolutionLayer.Builder(1, 1).nOut(CLASSES).activation(Activation.IDENTITY).build(), "in")
                .addLayer("out", loss, "logits")
                .setOutputs("out")
                .build();
        ComputationGraph graph = new ComputationGraph(g);
        graph.init();
        return graph;
    }

    private static INDArray[] batch(DataType type) {
        return batch(type, 3);
    }

    private static INDArray[] batch(DataType type, double scale) {
        Nd4j.getRandom().setSeed(12);
        INDArray x = Nd4j.randn(type, 3, 2, SIZE, SIZE).muli(scale);
        INDArray labels = ResampleLayersTest.oneHot(3, CLASSES, SIZE, SIZE, 8).castTo(type);
        return new INDArray[] {x, labels};
    }

    /** Scale 3: logits of a few units; 300: far beyond float's exponential range (the shifted path). */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(doubles = {3, 300})
    void onePassComputesWhatDl4jComputes(double scale) {
        ComputationGraph onePass = graph(true, DataType.FLOAT);
        ComputationGraph reference = graph(false, DataType.FLOAT);
        assertThat(onePass.params()).isEqualTo(reference.params());
        INDArray[] b = batch(DataType.FLOAT, scale);

        INDArray expectedP = reference.outputSingle(false, b[0]);
        INDArray actualP = onePass.outputSingle(false, b[0]);
        assertThat(actualP.sub(expectedP).amaxNumber().doubleValue()).isLessThan(1e-6);
        assertThat(actualP.sum(1).minNumber().doubleValue()).isCloseTo(1.0, within(1e-6));

        Gradient expected = gradient(reference, b[0], b[1]);
        Gradient actual = gradient(onePass, b[0], b[1]);
        assertThat(onePass.score()).isCloseTo(reference.score(), within(1e-5 * reference.score()));
        for (String name : expected.gradientForVariable().keySet()) {
            INDArray e = expected.getGradientFor(name);
            assertThat(actual.getGradientFor(name).sub(e).amaxNumber().doubleValue())
                    .as(name).isLessThan(1e-5 * Math.max(1, e.amaxNumber().doubleValue()));
        }

        // The score alone (no backward pass before it) is the same too.
        ComputationGraph fresh = graph(true, DataType.FLOAT);
        assertThat(fresh.score(new org.nd4j.linalg.dataset.MultiDataSet(new INDArray[] {b[0]}, new INDArray[] {b[1]}), false))
                .isCloseTo(reference.score(), within(1e-5 * reference.score()));
    }

    @Test
    void doublePrecisionGradientsMatchFiniteDifferences() {
        DoublePrecision.run(() -> {
            INDArray[] b = batch(DataType.DOUBLE);
            assertThat(DoublePrecision.gradientsMatchFiniteDifferences(graph(true, DataType.DOUBLE), b[0], b[1])).isTrue();
            return null;
        });
    }

    @Test
    void survivesJson() {
        ComputationGraphConfiguration conf = graph(true, DataType.FLOAT).getConfiguration();
        ComputationGraphConfiguration restored = ComputationGraphConfiguration.fromJson(conf.toJson());
        assertThat(restored).isEqualTo(conf);
        assertThat(restored).isNotEqualTo(graph(false, DataType.FLOAT).getConfiguration());
    }
}
