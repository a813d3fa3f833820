package dev.segplatform.core.model.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A dilated convolution run as a plain one on its phases computes what the dilated kernel
 * computes, on arrays in the blocked layout that linked convolutions of a folded graph exchange.
 * Only a folded graph's (fixed weights): a training graph's would need phased backward passes too.
 */
class PhasedConvolutionTest {

    private static final int BLOCK = 16;

    @ParameterizedTest(name = "dilation {0}, {1}x{1}, ReLU {2}")
    @CsvSource({"2, 8, false", "2, 16, true", "4, 8, true", "4, 16, false", "2, 12, true"})
    void phasesComputeTheDilatedConvolution(int d, int size, boolean relu) {
        long n = 3;
        long c = 32;
        long o = 16;
        INDArray x = Nd4j.rand(DataType.FLOAT, n, c, size, size).subi(0.5);
        INDArray weights = Nd4j.rand(DataType.FLOAT, o, c, 3, 3).subi(0.5);
        INDArray bias = Nd4j.rand(DataType.FLOAT, o);
        INDArray expected = Nd4j.create(DataType.FLOAT, n, o, size, size);
        try (OneDnnConvolution dilated = new OneDnnConvolution(geometry(n, c, o, size, d, relu, false, false))) {
            dilated.forward(x, weights, bias, expected);
        }

        INDArray blockedOut = Nd4j.create(DataType.FLOAT, n, o, size, size);
        try (OneDnnConvolution phased = new OneDnnConvolution(geometry(n, c, o, size, d, relu, true, true), true)) {
            phased.forward(toBlocked(x), weights, bias, blockedOut);
            assertThat(fromBlocked(blockedOut).sub(expected).amaxNumber().doubleValue() / expected.amaxNumber().doubleValue())
                    .isLessThan(1e-5);
            // A second call on other data: the views follow each call's arrays.
            INDArray other = Nd4j.rand(DataType.FLOAT, n, c, size, size);
            try (OneDnnConvolution dilated = new OneDnnConvolution(geometry(n, c, o, size, d, relu, false, false))) {
                dilated.forward(other, weights, bias, expected);
            }
            INDArray otherOut = Nd4j.create(DataType.FLOAT, n, o, size, size);
            phased.forward(toBlocked(other), weights, bias, otherOut);
            assertThat(fromBlocked(otherOut).sub(expected).amaxNumber().doubleValue() / expected.amaxNumber().doubleValue())
                    .isLessThan(1e-5);
        }
    }

    @Test
    void noPhasesWhereTheDilationDoesNotDivideTheSize() {
        assertThatThrownBy(() -> new OneDnnConvolution(geometry(1, 16, 16, 10, 4, false, true, true), true))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no phased plan");
    }

    /** A training graph's linked convolutions (weights that change) have no backward pass on phases, so no phases. */
    @Test
    void noPhasesForTrainableWeights() {
        assertThatThrownBy(() -> new OneDnnConvolution(geometry(1, 16, 16, 8, 2, false, true, false), true))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no phased plan");
    }

    private static OneDnnConvolution.Geometry geometry(long n, long c, long o, long size, long d, boolean relu, boolean blocked,
            boolean fixed) {
        return new OneDnnConvolution.Geometry(new long[] {n, c, size, size}, new long[] {o, c, 3, 3},
                new long[] {n, o, size, size}, new long[] {1, 1}, new long[] {d, d}, new long[] {d, d}, new long[] {d, d}, true,
                relu, blocked, blocked, fixed, 1);
    }

    /** The elements of an NCHW array in the aBcd16b layout, in an array of the same shape. */
    private static INDArray toBlocked(INDArray x) {
        long[] s = x.shape();
        return x.reshape('c', s[0], s[1] / BLOCK, BLOCK, s[2], s[3]).permute(0, 1, 3, 4, 2).dup('c')
                .reshape('c', s[0], s[1], s[2], s[3]);
    }

    private static INDArray fromBlocked(INDArray y) {
        long[] s = y.shape();
        return y.reshape('c', s[0], s[1] / BLOCK, s[2], s[3], BLOCK).permute(0, 1, 4, 2, 3).dup('c')
                .reshape('c', s[0], s[1], s[2], s[3]);
    }
}
