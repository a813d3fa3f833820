package dev.segplatform.core.model.layer;

import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;

/**
 * Marks the layers that read only the network's inputs, such as its first convolution, so that
 * they leave out their input gradient. DL4J computes every layer's input gradient and drops the
 * ones that reach an input; PyTorch's autograd never computes them, and for a first layer at full
 * resolution the gradient is a whole image's worth of work.
 *
 * <p>Only direct readers of an input: DL4J runs the backward pass of every other vertex and
 * insists that it has received a gradient, even where nothing upstream has parameters.
 * A marked layer returns no input gradient, so {@code ComputationGraph.calculateGradients}
 * reports none for the network's input either; the parameters' gradients are unchanged.
 */
public final class InputGradients {

    private InputGradients() {
    }

    /** A layer that can leave out its input gradient. */
    interface Skippable {
        void skipInputGradient();

        boolean computesInputGradient();
    }

    /** Marks every {@link Skippable} layer of {@code conf} whose inputs are all network inputs. */
    public static void skipUnused(ComputationGraphConfiguration conf) {
        List<String> networkInputs = conf.getNetworkInputs();
        for (Map.Entry<String, GraphVertex> e : conf.getVertices().entrySet()) {
            if (e.getValue() instanceof LayerVertex v && v.getLayerConf().getLayer() instanceof Skippable s
                    && networkInputs.containsAll(conf.getVertexInputs().get(e.getKey()))) {
                s.skipInputGradient();
            }
        }
    }
}
