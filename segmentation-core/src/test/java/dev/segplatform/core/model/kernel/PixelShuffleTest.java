package dev.segplatform.core.model.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;
import org.nd4j.enums.DataFormat;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.layers.convolution.DepthToSpace;
import org.nd4j.linalg.api.ops.impl.layers.convolution.SpaceToDepth;
import org.nd4j.linalg.factory.Nd4j;

/** The Java rearrangements put every element where ND4J's depth-to-space and space-to-depth put it. */
class PixelShuffleTest {

    @ParameterizedTest(name = "[{0}, {1}*{4}*{4}, {2}, {3}], factor {4}")
    @CsvSource({"1, 1, 1, 1, 2", "2, 3, 4, 5, 2", "3, 8, 7, 2, 2", "2, 2, 3, 3, 3"})
    void matchesNd4jBothWays(int b, int c, int h, int w, int f) {
        INDArray depth = Nd4j.rand(DataType.FLOAT, b, (long) c * f * f, h, w);
        INDArray expected = Nd4j.create(DataType.FLOAT, b, c, (long) h * f, (long) w * f);
        Nd4j.exec(new DepthToSpace(depth, expected, f, DataFormat.NCHW));
        INDArray spatial = Nd4j.create(DataType.FLOAT, b, c, (long) h * f, (long) w * f);
        PixelShuffle.depthToSpace(depth, spatial, f);
        assertThat(spatial).isEqualTo(expected);

        INDArray gradient = Nd4j.rand(DataType.FLOAT, b, c, (long) h * f, (long) w * f);
        INDArray expectedBack = Nd4j.create(DataType.FLOAT, depth.shape());
        Nd4j.exec(new SpaceToDepth(gradient, expectedBack, f, DataFormat.NCHW));
        INDArray back = Nd4j.create(DataType.FLOAT, depth.shape());
        PixelShuffle.spaceToDepth(gradient, back, f);
        assertThat(back).isEqualTo(expectedBack);
    }

    @Test
    void refusesShapesThatDoNotMatch() {
        INDArray depth = Nd4j.create(DataType.FLOAT, 1, 8, 4, 4);
        assertThatThrownBy(() -> PixelShuffle.depthToSpace(depth, Nd4j.create(DataType.FLOAT, 1, 2, 6, 8), 2))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("[1, 8, 4, 4]");
    }
}
