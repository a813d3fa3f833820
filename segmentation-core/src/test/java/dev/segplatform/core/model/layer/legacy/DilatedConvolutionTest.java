package dev.segplatform.core.model.layer.legacy;

import dev.segplatform.core.model.layer.DoublePrecision;
import dev.segplatform.core.model.layer.FastConvolution;
import static org.assertj.core.api.Assertions.assertThat;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.CnnLossLayer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * {@link PhaseShuffle} + plain 3x3 convolution + {@link PhaseShuffle} computes DL4J's own dilated
 * convolution: same outputs, same weight and input gradients, and gradients that match finite
 * differences, for sizes the dilation divides and sizes it does not (the padded path).
 */
class DilatedConvolutionTest {

    private static NeuralNetConfiguration.Builder base(DataType dataType) {
        return DoublePrecision.configuration(3)
                .dataType(dataType)
                .activation(Activation.IDENTITY);
    }

    private static ComputationGraph graph(ComputationGraphConfiguration.GraphBuilder g, String last) {
        g.addLayer("out", new CnnLossLayer.Builder(LossFunctions.LossFunction.MSE).activation(Activation.TANH).build(), last)
                .setOutputs("out");
        ComputationGraph graph = new ComputationGraph(g.build());
        graph.init();
        return graph;
    }

    /** A 1x1 convolution first, so that its gradient shows what reaches the dilated layer's input. */
    private static ComputationGraphConfiguration.GraphBuilder input(int size, DataType dataType) {
        return base(dataType).graphBuilder().addInputs("in").setInputTypes(InputType.convolutional(size, size, 2))
                .addLayer("pre", new ConvolutionLayer.Builder(1, 1).nOut(2).build(), "in");
    }

    /** DL4J's dilated ConvolutionLayer, the reference, on its built-in path (its oneDNN helper refuses dilation). */
    private static ComputationGraph reference(int dilation, int size, DataType dataType) {
        String helpersDisabled = "org.eclipse.deeplearning4j.helpers.disable";
        String before = System.getProperty(helpersDisabled);
        System.setProperty(helpersDisabled, "true");
        try {
            return referenceGraph(dilation, size, dataType);
        } finally {
            System.setProperty(helpersDisabled, before == null ? "false" : before);
        }
    }

    private static ComputationGraph referenceGraph(int dilation, int size, DataType dataType) {
        var g = input(size, dataType).addLayer("conv", new ConvolutionLayer.Builder(3, 3).dilation(dilation, dilation).nOut(3)
                .hasBias(false).build(), "pre");
        return graph(g, "conv");
    }

    /** The same as bundles trained before FastConvolution compute it: phases to batch, plain conv, back. */
    private static ComputationGraph shuffled(int dilation, int size, DataType dataType) {
        var g = input(size, dataType)
                .addLayer("conv-to-batch", new PhaseShuffle(dilation, PhaseShuffle.Direction.TO_BATCH, size, size), "pre")
                .addLayer("conv", new ConvolutionLayer.Builder(3, 3).nOut(3).hasBias(false).build(), "conv-to-batch")
                .addLayer("conv-to-space", new PhaseShuffle(dilation, PhaseShuffle.Direction.TO_SPACE, size, size), "conv");
        return graph(g, "conv-to-space");
    }

    /** Double runs ND4J's strided copies, float the Java loops (see PhaseShuffleImpl). */
    @ParameterizedTest(name = "{2}, dilation {0}, {1}x{1}")
    @CsvSource({"2, 8, DOUBLE", "4, 16, DOUBLE", "2, 5, DOUBLE", "4, 6, DOUBLE", "2, 1, DOUBLE",
            "2, 8, FLOAT", "4, 16, FLOAT", "2, 5, FLOAT", "4, 6, FLOAT", "2, 1, FLOAT"})
    void equalsDilatedConvolutionInValueAndGradient(int dilation, int size, DataType dataType) {
        ComputationGraph reference = reference(dilation, size, dataType);
        ComputationGraph shuffled = shuffled(dilation, size, dataType);
        shuffled.setParams(reference.params());
        INDArray x = Nd4j.rand(dataType, 3, 2, size, size);
        INDArray y = Nd4j.rand(dataType, 3, 3, size, size);
        double tolerance = dataType == DataType.DOUBLE ? 1e-12 : 1e-5;

        assertClose(shuffled.outputSingle(x), reference.outputSingle(x), tolerance);
        assertClose(gradient(shuffled, x, y), gradient(reference, x, y), tolerance);
    }

    @ParameterizedTest(name = "dilation {0}, {1}x{1}")
    @CsvSource({"2, 5", "2, 4"})
    void gradientsMatchFiniteDifferences(int dilation, int size) {
        ComputationGraph graph = shuffled(dilation, size, DataType.DOUBLE);
        INDArray x = Nd4j.rand(DataType.DOUBLE, 2, 2, size, size);
        INDArray y = Nd4j.rand(DataType.DOUBLE, 2, 3, size, size);
        assertThat(DoublePrecision.gradientsMatchFiniteDifferences(graph, x, y)).isTrue();
    }

    /** All parameter gradients, flattened: the dilated conv's weights and the 1x1 conv's before it. */
    static INDArray gradient(ComputationGraph graph, INDArray x, INDArray y) {
        graph.setInputs(x);
        graph.setLabels(y);
        graph.computeGradientAndScore();
        return graph.getFlattenedGradients().dup();
    }

    private static void assertClose(INDArray actual, INDArray expected, double tolerance) {
        assertThat(actual.shape()).containsExactly(expected.shape());
        double scale = Math.max(1, expected.amaxNumber().doubleValue());
        assertThat(actual.sub(expected).amaxNumber().doubleValue() / scale).as("max |difference| / max(1, max |expected|)")
                .isLessThan(tolerance);
    }
}
