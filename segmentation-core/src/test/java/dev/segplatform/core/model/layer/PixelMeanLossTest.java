package dev.segplatform.core.model.layer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.segplatform.core.model.ICNet;
import java.util.List;
import org.deeplearning4j.gradientcheck.GradientCheckUtil;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.CnnLossLayer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/** ICNet's cascade label guidance: the graph's loss is the weighted sum of per-pixel mean losses. */
class PixelMeanLossTest {

    private static final List<Double> WEIGHTS = List.of(0.3, 0.5, 1.2);

    private static ComputationGraph tinyIcnet() {
        return ICNet.builder().inputSize(32).numClasses(3).width(2).seed(3).lossWeights(WEIGHTS)
                .dataType(DataType.DOUBLE).build().init();
    }

    private static INDArray[] labelsFor(ComputationGraph graph, int batch) {
        int[] strides = {16, 8, 4};
        INDArray[] labels = new INDArray[3];
        for (int i = 0; i < 3; i++) {
            labels[i] = ResampleLayersTest.oneHot(batch, 3, 32 / strides[i], 32 / strides[i], 20 + i);
        }
        return labels;
    }

    /** Mean over pixels and images of -log p(true class). */
    private static double meanCrossEntropy(INDArray probabilities, INDArray labels) {
        INDArray logP = Transforms.log(probabilities, true);
        double total = -logP.mul(labels).sumNumber().doubleValue();
        return total / (labels.size(0) * labels.size(2) * labels.size(3));
    }

    @Test
    void scoreIsTheWeightedSumOfPerPixelMeanCrossEntropies() {
        ComputationGraph graph = tinyIcnet();
        INDArray input = Nd4j.rand(DataType.DOUBLE, 2, 3, 32, 32);
        INDArray[] labels = labelsFor(graph, 2);

        double score = graph.score(new MultiDataSet(new INDArray[] {input}, labels), false);
        INDArray[] probabilities = graph.output(false, input);

        double expected = 0;
        for (int i = 0; i < 3; i++) {
            expected += WEIGHTS.get(i) * meanCrossEntropy(probabilities[i], labels[i]);
        }
        assertThat(score).isCloseTo(expected, within(1e-9));
        // An untrained net is near chance on each output, so the total is near (0.3+0.5+1.2) ln 3.
        assertThat(score).isBetween(0.5 * 2.0 * Math.log(3), 2.0 * 2.0 * Math.log(3));
    }

    @Test
    void weightedMultiOutputGradientsMatchFiniteDifferences() {
        // Two outputs of different sizes and weights, as ICNet's, on a graph small enough to check
        // every parameter (BatchNorm left out: its batch statistics make finite differences noisy).
        ComputationGraphConfiguration conf = DoublePrecision.configuration(5)
                .graphBuilder()
                .addInputs("in")
                .setInputTypes(InputType.convolutional(8, 8, 2))
                .addLayer("conv", new ConvolutionLayer.Builder(3, 3).nOut(4).activation(Activation.TANH).build(), "in")
                .addLayer("fine-cls", new ConvolutionLayer.Builder(1, 1).nOut(3).build(), "conv")
                .addLayer("pool", new AdaptiveAvgPool2D(2, 2), "conv")
                .addLayer("coarse-cls", new ConvolutionLayer.Builder(1, 1).nOut(3).build(), "pool")
                .addLayer("out-coarse", new CnnLossLayer.Builder(PixelMeanLoss.crossEntropy(0.4, 4))
                        .activation(Activation.SOFTMAX).build(), "coarse-cls")
                .addLayer("out-fine", new CnnLossLayer.Builder(PixelMeanLoss.crossEntropy(1.0, 64))
                        .activation(Activation.SOFTMAX).build(), "fine-cls")
                .setOutputs("out-coarse", "out-fine")
                .build();
        ComputationGraph graph = new ComputationGraph(conf);
        graph.init();
        INDArray input = Nd4j.rand(DataType.DOUBLE, 3, 2, 8, 8);
        INDArray[] labels = {ResampleLayersTest.oneHot(3, 3, 2, 2, 1), ResampleLayersTest.oneHot(3, 3, 8, 8, 2)};

        boolean ok = DoublePrecision.run(() -> GradientCheckUtil.checkGradients(new GradientCheckUtil.GraphConfig()
                .net(graph)
                .inputs(new INDArray[] {input})
                .labels(labels)
                .epsilon(1e-6)
                .maxRelError(1e-4)
                .minAbsoluteError(1e-10)));
        assertThat(ok).isTrue();
    }
}
