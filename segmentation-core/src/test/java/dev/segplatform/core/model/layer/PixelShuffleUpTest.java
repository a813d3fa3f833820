package dev.segplatform.core.model.layer;

import static dev.segplatform.core.model.layer.GraphChecks.gradient;
import static org.assertj.core.api.Assertions.assertThat;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.CnnLossLayer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.Deconvolution2D;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * 1x1 convolution + {@link PixelShuffleUp} is DL4J's 2x2 stride-2 transposed convolution: with the
 * weights mapped, the same outputs and the same gradients (weights, bias and what reaches the layer
 * below), and gradients that match finite differences.
 */
class PixelShuffleUpTest {

    private static final int IN = 3;
    private static final int OUT = 2;
    private static final int SIZE = 5;

    private static ComputationGraphConfiguration.GraphBuilder base() {
        return DoublePrecision.configuration(11)
                .biasInit(0.1)
                .activation(Activation.IDENTITY)
                .convolutionMode(ConvolutionMode.Same)
                .graphBuilder()
                .addInputs("in")
                .setInputTypes(InputType.convolutional(SIZE, SIZE, 2))
                // A layer below, so that its gradient shows what the up-sampling passes back.
                .addLayer("pre", new ConvolutionLayer.Builder(1, 1).nOut(IN).build(), "in");
    }

    private static ComputationGraph finish(ComputationGraphConfiguration.GraphBuilder g, String last) {
        g.addLayer("out", new CnnLossLayer.Builder(LossFunctions.LossFunction.MSE).activation(Activation.TANH).build(), last)
                .setOutputs("out");
        ComputationGraph graph = new ComputationGraph(g.build());
        graph.init();
        return graph;
    }

    private static ComputationGraph transposed() {
        return finish(base().addLayer("up", new Deconvolution2D.Builder(2, 2).stride(2, 2).nOut(OUT).build(), "pre"), "up");
    }

    private static ComputationGraph shuffled() {
        var g = base().addLayer("up-conv", new ConvolutionLayer.Builder(1, 1).nOut(4 * OUT).hasBias(false).build(), "pre")
                .addLayer("up", new PixelShuffleUp(2), "up-conv");
        return finish(g, "up");
    }

    /** Deconvolution weights {@code [in, out, p, q]} as 1x1 weights {@code [(p*2 + q)*out + o, in, 1, 1]}. */
    private static INDArray asOneByOne(INDArray deconvolution) {
        return deconvolution.permute(2, 3, 1, 0).dup('c').reshape('c', 4L * OUT, IN, 1, 1);
    }

    @Test
    void equalsTheTransposedConvolution() {
        ComputationGraph reference = transposed();
        ComputationGraph shuffled = shuffled();
        assertThat(reference.getLayer("up").getParam("W").shape()).containsExactly(IN, OUT, 2, 2);
        shuffled.getLayer("pre").setParams(reference.getLayer("pre").params());
        shuffled.getLayer("up-conv").setParam("W", asOneByOne(reference.getLayer("up").getParam("W")));
        shuffled.getLayer("up").setParam("b", reference.getLayer("up").getParam("b"));
        assertThat(shuffled.numParams()).isEqualTo(reference.numParams());

        INDArray x = Nd4j.rand(DataType.DOUBLE, 3, 2, SIZE, SIZE);
        INDArray y = Nd4j.rand(DataType.DOUBLE, 3, OUT, 2 * SIZE, 2 * SIZE);
        assertClose(shuffled.outputSingle(x), reference.outputSingle(x));

        Gradient expected = gradient(reference, x, y);
        Gradient actual = gradient(shuffled, x, y);
        assertClose(actual.getGradientFor("pre_W"), expected.getGradientFor("pre_W"));
        assertClose(actual.getGradientFor("pre_b"), expected.getGradientFor("pre_b"));
        assertClose(actual.getGradientFor("up_b"), expected.getGradientFor("up_b"));
        assertClose(actual.getGradientFor("up-conv_W"), asOneByOne(expected.getGradientFor("up_W")));
    }

    @Test
    void gradientsMatchFiniteDifferences() {
        ComputationGraph graph = shuffled();
        INDArray x = Nd4j.rand(DataType.DOUBLE, 2, 2, SIZE, SIZE);
        INDArray y = Nd4j.rand(DataType.DOUBLE, 2, OUT, 2 * SIZE, 2 * SIZE);
        assertThat(DoublePrecision.gradientsMatchFiniteDifferences(graph, x, y)).isTrue();
    }

    private static void assertClose(INDArray actual, INDArray expected) {
        assertThat(actual.length()).isEqualTo(expected.length());
        assertThat(actual.reshape(actual.length()).sub(expected.reshape(expected.length())).amaxNumber().doubleValue())
                .as("max |difference|").isLessThan(1e-12);
    }
}
