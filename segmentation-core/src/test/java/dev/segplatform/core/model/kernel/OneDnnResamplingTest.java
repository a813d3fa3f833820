package dev.segplatform.core.model.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * oneDNN's two matrix products compute the separable maps ND4J's dense products compute, forward
 * and with the maps transposed (the backward pass), in both orders: the shapes include ones where
 * mapping the columns first is cheaper (up-sampling) and ones where the rows go first (pooling a
 * tall plane to one row).
 */
class OneDnnResamplingTest {

    @ParameterizedTest(name = "{0} {1}x{2} -> {3}x{4}")
    @CsvSource({"bilinear, 16, 16, 128, 128", "bilinear, 3, 5, 16, 16", "bilinear, 1, 1, 16, 16", "pool, 16, 16, 6, 6",
            "pool, 16, 12, 3, 1", "pool, 24, 8, 1, 8", "pool, 4, 4, 6, 6"})
    void productsEqualTheDenseMaps(String kind, int h, int w, int outH, int outW) {
        double[][] rows = AxisMapTest.weights(kind, h, outH);
        double[][] cols = AxisMapTest.weights(kind, w, outW);
        INDArray r = Resampling.matrix(rows, DataType.FLOAT);
        INDArray c = Resampling.matrix(cols, DataType.FLOAT);

        // A permuted view: the kernel must read it as the c-ordered array it stands for.
        INDArray x = Nd4j.rand(DataType.FLOAT, 2, 3, w, h).permute(0, 1, 3, 2);
        INDArray forward = Nd4j.create(DataType.FLOAT, 2, 3, outH, outW);
        try (OneDnnResampling kernel = new OneDnnResampling(x.shape(), rows, cols)) {
            assertThat(kernel.outputShape()).containsExactly(2, 3, outH, outW);
            kernel.apply(x, forward);
            AxisMapTest.assertClose(forward, Resampling.applySeparable(x, r.transpose(), c.transpose()));
            // Run again on other data: the kernel binds each call's arrays, it does not keep the first.
            INDArray other = Nd4j.rand(DataType.FLOAT, 2, 3, h, w);
            kernel.apply(other, forward);
            AxisMapTest.assertClose(forward, Resampling.applySeparable(other, r.transpose(), c.transpose()));
        }

        INDArray epsilon = Nd4j.rand(DataType.FLOAT, 2, 3, outH, outW);
        INDArray backward = Nd4j.create(DataType.FLOAT, 2, 3, h, w);
        try (OneDnnResampling kernel = OneDnnResampling.transposed(epsilon.shape(), rows, cols)) {
            kernel.apply(epsilon, backward);
        }
        AxisMapTest.assertClose(backward, Resampling.applySeparable(epsilon, r, c));
    }

    @Test
    void refusesArraysOfAnotherShape() {
        double[][] map = Resampling.bilinearWeights(4, 8);
        try (OneDnnResampling kernel = new OneDnnResampling(new long[] {1, 2, 4, 4}, map, map)) {
            assertThatThrownBy(() -> kernel.apply(Nd4j.rand(DataType.FLOAT, 2, 2, 4, 4), Nd4j.create(DataType.FLOAT, 2, 2, 8, 8)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("[1, 2, 4, 4]");
        }
        assertThatThrownBy(() -> new OneDnnResampling(new long[] {1, 2, 5, 4}, map, map))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("planes of 5 x 4");
    }
}
