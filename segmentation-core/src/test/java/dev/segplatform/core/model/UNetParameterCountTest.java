package dev.segplatform.core.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

class UNetParameterCountTest {

    /** Parameters of the PyTorch peer's U-Net (src/test/python/torch_peer.py), counted the way it counts them. */
    private static long peerParameterCount(int base, int depth, int classes) {
        long p = 0;
        int in = 3;
        int f = base;
        for (int i = 0; i < depth; i++) {
            p += convBnRelu(in, f) + convBnRelu(f, f);
            in = f;
            f *= 2;
        }
        p += convBnRelu(in, f) + convBnRelu(f, f);
        for (int i = 0; i < depth; i++) {
            p += (long) f * (f / 2) * 4 + f / 2; // ConvTranspose2d(f, f/2, 2) with bias
            p += convBnRelu(f, f / 2) + convBnRelu(f / 2, f / 2);
            f /= 2;
        }
        return p + (long) f * classes + classes;
    }

    /** Conv 3x3 without bias + BatchNorm's gamma and beta (running stats are buffers in PyTorch). */
    private static long convBnRelu(int in, int out) {
        return 9L * in * out + 2L * out;
    }

    @Test
    void defaultUNetHasThePeersTrainableParameters() {
        ComputationGraph graph = UNet.builder().inputSize(128).numClasses(3).build().init();

        long trainable = 0;
        for (Map.Entry<String, INDArray> e : graph.paramTable().entrySet()) {
            String param = e.getKey().substring(e.getKey().lastIndexOf('_') + 1);
            // DL4J stores BatchNorm's running mean and variance as parameters; PyTorch does not count them.
            if (!param.equals("mean") && !param.equals("var") && !param.equals("log10stdev")) {
                trainable += e.getValue().length();
            }
        }

        assertThat(trainable).isEqualTo(peerParameterCount(16, 4, 3)).isBetween(1_900_000L, 2_000_000L);
    }
}
