package dev.segplatform.core.model.optim;

import static org.assertj.core.api.Assertions.assertThat;

import dev.segplatform.core.bench.ModelBench;
import dev.segplatform.core.model.Architecture;
import dev.segplatform.core.model.ICNet;
import dev.segplatform.core.model.ModelSpec;
import dev.segplatform.core.model.Networks;
import dev.segplatform.core.model.Optimizer;
import dev.segplatform.core.model.layer.GraphChecks;
import java.util.Random;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;

/**
 * {@link InPlaceUpdater} trains as DL4J's own graph updater does (to float rounding: {@link
 * JavaAdam} computes ND4J's Adam step in Java), and takes its in-place path.
 */
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
        INDArray initial = reference.params().dup();
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
        assertSameTraining(resumed, reference, initial);
    }

    private static void compare(ModelSpec spec) {
        MultiDataSet batch = ModelBench.randomBatch(spec, 2, new Random(3));
        ComputationGraph reference = dl4jGraph(spec);
        ComputationGraph graph = Networks.build(spec);
        INDArray initial = reference.params().dup();
        assertThat(graph.params()).isEqualTo(initial);
        assertThat(graph.getUpdater().getUpdaterBlocks()).anyMatch(b -> b.getGradientUpdater() instanceof JavaAdam);
        for (int i = 0; i < STEPS; i++) {
            reference.fit(batch);
            graph.fit(batch);
            assertThat(((InPlaceUpdater) graph.getUpdater()).lastInPlace()).isTrue();
        }
        assertSameTraining(graph, reference, initial);
    }

    /** The parameter changes and the Adam moments agree to float rounding, and training changed the parameters. */
    private static void assertSameTraining(ComputationGraph graph, ComputationGraph reference, INDArray initial) {
        INDArray change = graph.params().sub(initial);
        INDArray referenceChange = reference.params().sub(initial);
        assertThat(referenceChange.amaxNumber().doubleValue()).isGreaterThan(1e-4);
        assertThat(GraphChecks.relativeDifference(change, referenceChange)).isLessThan(1e-4);
        assertThat(GraphChecks.relativeDifference(graph.getUpdater().getStateViewArray(),
                reference.getUpdater().getStateViewArray())).isLessThan(1e-4);
    }

    /** The same network with DL4J's own updater. */
    private static ComputationGraph dl4jGraph(ModelSpec spec) {
        ComputationGraph graph = new ComputationGraph(Networks.network(spec).conf());
        graph.init();
        assertThat(graph.getUpdater()).isNotInstanceOf(InPlaceUpdater.class);
        return graph;
    }
}
