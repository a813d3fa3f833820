package dev.segplatform.core.model.layer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.segplatform.core.bench.ModelBench;
import dev.segplatform.core.model.Architecture;
import dev.segplatform.core.model.ModelSpec;
import dev.segplatform.core.model.Networks;
import dev.segplatform.core.model.SegmentationNetwork;
import java.util.Random;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.dataset.MultiDataSet;

/** Layers that read only the network's input skip their input gradient; the parameters' gradients stay the same. */
class InputGradientsTest {

    @ParameterizedTest
    @EnumSource(Architecture.class)
    void onlyTheInputsReadersSkipAndParameterGradientsAreUnchanged(Architecture architecture) {
        ModelSpec spec = ModelSpec.of(architecture, 32, 3).withWidth(4);
        SegmentationNetwork network = Networks.network(spec);
        ComputationGraphConfiguration marked = network.conf();
        ComputationGraphConfiguration unmarked = network.graphBuilder().build();
        BlockedLinks.linkForTraining(unmarked); // as conf() links it: only the skipping differs

        marked.getVertices().forEach((name, vertex) -> {
            if (vertex instanceof LayerVertex v && v.getLayerConf().getLayer() instanceof InputGradients.Skippable s) {
                boolean readsInput = marked.getVertexInputs().get(name).equals(marked.getNetworkInputs());
                assertThat(s.computesInputGradient()).as(name).isEqualTo(!readsInput);
            }
        });
        assertThat(marked.getVertices().values()).anyMatch(v -> v instanceof LayerVertex l
                && l.getLayerConf().getLayer() instanceof InputGradients.Skippable s && !s.computesInputGradient());

        MultiDataSet batch = ModelBench.randomBatch(spec, 2, new Random(7));
        Gradient skipping = gradient(marked, batch);
        Gradient full = gradient(unmarked, batch);
        assertThat(skipping.gradient()).isEqualTo(full.gradient());
    }

    private static Gradient gradient(ComputationGraphConfiguration conf, MultiDataSet batch) {
        ComputationGraph graph = new ComputationGraph(conf);
        graph.init();
        graph.setInputs(batch.getFeatures());
        graph.setLabels(batch.getLabels());
        graph.computeGradientAndScore();
        return graph.gradient();
    }
}
