package dev.segplatform.core.model.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The Java pooling gives what DL4J's 2x2, stride-2 max-pooling layer gives, odd sizes included. */
class MaxPoolingTest {

    @ParameterizedTest(name = "[{0}, {1}, {2}, {3}], {4}")
    @CsvSource({"1, 1, 2, 2, Same", "2, 3, 8, 6, Same", "2, 3, 7, 9, Same", "2, 3, 7, 9, Truncate",
            "1, 4, 1, 5, Same", "3, 2, 16, 16, Truncate"})
    void matchesDl4jsSubsamplingLayer(int b, int c, int h, int w, ConvolutionMode mode) {
        ComputationGraph dl4j = new ComputationGraph(new NeuralNetConfiguration.Builder().dataType(DataType.FLOAT)
                .graphBuilder().addInputs("in").setInputTypes(InputType.convolutional(h, w, c))
                .addLayer("pool", new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(2, 2)
                        .stride(2, 2).convolutionMode(mode).build(), "in")
                .setOutputs("pool").build());
        dl4j.init();
        // Negative values too: a partial window must not pool a zero of padding.
        INDArray in = Nd4j.rand(DataType.FLOAT, b, c, h, w).subi(0.5);
        INDArray expected = dl4j.outputSingle(in);

        boolean keep = mode == ConvolutionMode.Same;
        INDArray out = Nd4j.create(DataType.FLOAT, b, c, MaxPooling.outputSize(h, keep), MaxPooling.outputSize(w, keep));
        MaxPooling.pool2x2(in, out);
        assertThat(out.shape()).isEqualTo(expected.shape());
        assertThat(out).isEqualTo(expected);
    }

    @Test
    void aNanInAWindowGivesNan() {
        INDArray in = Nd4j.createFromArray(new float[] {1, 2, 3, 4, Float.NaN, 5, 6, 7}).reshape(1, 1, 2, 4);
        INDArray out = Nd4j.create(DataType.FLOAT, 1, 1, 1, 2);
        MaxPooling.pool2x2(in, out);
        assertThat(out.getFloat(0)).isNaN();
        assertThat(out.getFloat(1)).isEqualTo(7f);
    }

    @Test
    void refusesShapesThatDoNotMatch() {
        INDArray in = Nd4j.create(DataType.FLOAT, 1, 2, 8, 8);
        assertThatThrownBy(() -> MaxPooling.pool2x2(in, Nd4j.create(DataType.FLOAT, 1, 2, 3, 4)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("[1, 2, 8, 8]");
    }
}
