package dev.segplatform.core.model.layer;

import static org.assertj.core.api.Assertions.assertThat;

import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;

/** What the tests comparing a platform layer with the DL4J layer it replaces all do. */
public final class GraphChecks {

    private GraphChecks() {
    }

    /** The gradient of every parameter of a one-input, one-output graph for one batch. */
    public static Gradient gradient(ComputationGraph graph, INDArray input, INDArray labels) {
        graph.setInputs(input);
        graph.setLabels(labels);
        graph.computeGradientAndScore();
        return graph.gradient();
    }

    /** max |actual - expected| / max |expected|, after checking the shapes agree. */
    public static double relativeDifference(INDArray actual, INDArray expected) {
        assertThat(actual.shape()).containsExactly(expected.shape());
        return actual.sub(expected).amaxNumber().doubleValue() / Math.max(expected.amaxNumber().doubleValue(), 1e-12);
    }
}
