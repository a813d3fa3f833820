package dev.segplatform.core.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.segplatform.core.bench.ModelBench;
import java.util.Random;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.dataset.MultiDataSet;

/** {@link InPlaceUpdater} trains exactly as DL4J's own graph updater does, and takes its in-place path. */
class InPlaceUpdaterTest {

    private static final int STEPS = 4;

    @Test
    void adamStepsEqualDl4jsUpdater() {
        // ICNet: three outputs, batch norms (whose running estimates DL4J's updater leaves alone).
        compare(ModelSpec.of(Architecture.ICNET, 32, 3).withWidth(4));
    }

    @Test
    void adamWWeightDecayStepsEqualDl4jsUpdater() {
        compare(ModelSpec.of(Architecture.PSPNET, 32, 3).withWidth(4).withOptimizer(Optimizer.ADAMW, 1e-3, 1e-2));
    }

    @Test
    void l2StepsEqualDl4jsUpdater() {
        compare(ModelSpec.of(Architecture.UNET, 32, 3).withWidth(4).withOptimizer(Optimizer.ADAM, 1e-3, 1e-2));
    }

    @Test
    void installingMidwayKeepsTheUpdaterState() {
        ModelSpec spec = ModelSpec.of(Architecture.PSPNET, 32, 3).withWidth(4);
        MultiDataSet batch = ModelBench.randomBatch(spec, 2, new Random(3));
        ComputationGraph reference = dl4jGraph(spec);
        ComputationGraph resumed = dl4jGraph(spec);
        for (int i = 0; i < STEPS; i++) {
            reference.fit(batch);
        }
        for (int i = 0; i < STEPS / 2; i++) {
            resumed.fit(batch);
        }
        InPlaceUpdater.install(resumed);
        for (int i = 0; i < STEPS / 2; i++) {
            resumed.fit(batch);
        }
        assertThat(resumed.getUpdater()).isInstanceOf(InPlaceUpdater.class);
        assertThat(resumed.params()).isEqualTo(reference.params());
        assertThat(resumed.getUpdater().getStateViewArray()).isEqualTo(reference.getUpdater().getStateViewArray());
    }

    private static void compare(ModelSpec spec) {
        MultiDataSet batch = ModelBench.randomBatch(spec, 2, new Random(3));
        ComputationGraph reference = dl4jGraph(spec);
        ComputationGraph graph = Networks.build(spec);
        assertThat(graph.params()).isEqualTo(reference.params());
        for (int i = 0; i < STEPS; i++) {
            reference.fit(batch);
            graph.fit(batch);
            assertThat(((InPlaceUpdater) graph.getUpdater()).lastInPlace()).isTrue();
        }
        assertThat(graph.params()).isNotEqualTo(Networks.build(spec).params()); // it did train
        assertThat(graph.params()).isEqualTo(reference.params());
        assertThat(graph.getUpdater().getStateViewArray()).isEqualTo(reference.getUpdater().getStateViewArray());
    }

    /** The same network with DL4J's own updater. */
    private static ComputationGraph dl4jGraph(ModelSpec spec) {
        ComputationGraph graph = new ComputationGraph(Networks.network(spec).conf());
        graph.init();
        assertThat(graph.getUpdater()).isNotInstanceOf(InPlaceUpdater.class);
        return graph;
    }
}
