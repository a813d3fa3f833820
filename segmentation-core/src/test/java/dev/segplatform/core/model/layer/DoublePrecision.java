package dev.segplatform.core.model.layer;

import java.util.function.Supplier;
import org.deeplearning4j.gradientcheck.GradientCheckUtil;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.NoOp;

/** GradientCheckUtil insists on double as ND4J's global default; tests restore float afterwards. */
public final class DoublePrecision {

    private DoublePrecision() {
    }

    public static <T> T run(Supplier<T> body) {
        DataType before = Nd4j.dataType();
        DataType floatBefore = Nd4j.defaultFloatingPointType();
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
        try {
            return body.get();
        } finally {
            Nd4j.setDefaultDataTypes(before, floatBefore);
        }
    }

    /**
     * What the gradient tests' small graphs share: double precision, a seed, no updater (a check
     * must not move the weights), Xavier weights and "same" padding, as the networks use.
     */
    public static NeuralNetConfiguration.Builder configuration(long seed) {
        return new NeuralNetConfiguration.Builder()
                .seed(seed)
                .dataType(DataType.DOUBLE)
                .updater(new NoOp())
                .weightInit(WeightInit.XAVIER)
                .convolutionMode(ConvolutionMode.Same);
    }

    /**
     * DL4J's finite-difference check of every parameter gradient of a double graph with one input
     * and one output (step 1e-6, relative error at most 1e-3, absolute differences below 1e-9 ignored),
     * except {@code excluded} (such as batch norm's running estimates, whose "gradients" are updates).
     */
    public static boolean gradientsMatchFiniteDifferences(ComputationGraph graph, INDArray input, INDArray labels, String... excluded) {
        return run(() -> GradientCheckUtil.checkGradients(new GradientCheckUtil.GraphConfig()
                .net(graph)
                .excludeParams(java.util.Set.of(excluded))
                .inputs(new INDArray[] {input})
                .labels(new INDArray[] {labels})
                .epsilon(1e-6)
                .maxRelError(1e-3)
                .minAbsoluteError(1e-9)));
    }
}
