package dev.segplatform.core.model.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The float resampling loops compute the matrix products they replace (which {@code
 * ResampleLayersTest} checks against direct computation and finite differences), forward and
 * backward, for up- and down-sampling, bilinear and adaptive pooling, and non-contiguous input.
 */
class AxisMapTest {

    @ParameterizedTest(name = "{0} {1}x{2} -> {3}x{4}")
    @CsvSource({"bilinear, 16, 16, 32, 32", "bilinear, 3, 5, 16, 16", "bilinear, 16, 16, 128, 128",
            "pool, 16, 16, 6, 6", "pool, 16, 12, 3, 1", "pool, 4, 4, 6, 6"})
    void loopsEqualTheMatrixProducts(String kind, int h, int w, int outH, int outW) {
        double[][] rows = weights(kind, h, outH);
        double[][] cols = weights(kind, w, outW);
        INDArray r = Resampling.matrix(rows, DataType.FLOAT);
        INDArray c = Resampling.matrix(cols, DataType.FLOAT);
        AxisMap rowMap = AxisMap.of(rows);
        AxisMap colMap = AxisMap.of(cols);

        // A permuted view, so the loops must copy it to c order first.
        INDArray x = Nd4j.rand(DataType.FLOAT, 2, 3, w, h).permute(0, 1, 3, 2);
        INDArray forward = Nd4j.create(DataType.FLOAT, 2, 3, outH, outW);
        AxisMap.apply(x, rowMap, colMap, forward);
        assertClose(forward, Resampling.applySeparable(x, r.transpose(), c.transpose()));

        INDArray epsilon = Nd4j.rand(DataType.FLOAT, 2, 3, outH, outW);
        INDArray backward = Nd4j.create(DataType.FLOAT, 2, 3, h, w);
        AxisMap.apply(epsilon, rowMap.transposed(), colMap.transposed(), backward);
        assertClose(backward, Resampling.applySeparable(epsilon, r, c));
    }

    /** A bilinear ({@code "bilinear"}) or adaptive pooling ({@code "pool"}) map from {@code in} to {@code out}. */
    static double[][] weights(String kind, int in, int out) {
        return kind.equals("pool") ? Resampling.adaptiveAverageWeights(in, out) : Resampling.bilinearWeights(in, out);
    }

    static void assertClose(INDArray actual, INDArray expected) {
        assertThat(actual.shape()).containsExactly(expected.shape());
        double scale = Math.max(expected.amaxNumber().doubleValue(), 1e-6);
        assertThat(actual.sub(expected).amaxNumber().doubleValue() / scale).as("max relative difference").isLessThan(1e-5);
    }
}
