package dev.segplatform.core.train;

import static org.assertj.core.api.Assertions.assertThat;

import dev.segplatform.core.dataset.SegmentationIterator;
import dev.segplatform.core.model.Architecture;
import dev.segplatform.core.model.ModelSpec;
import dev.segplatform.core.model.Networks;
import dev.segplatform.core.model.optim.InPlaceUpdater;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.stream.IntStream;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.deeplearning4j.parallelism.ParallelWrapper;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Every ParallelWrapper worker trains its copy of the graph with the in-place updater, not only
 * the first, which trains the graph itself; the graph still learns through the wrapper
 * ({@code SegmentationTrainerTest.twoDevicesTrainThroughParallelWrapperAndLearn}).
 */
class InPlaceTrainerContextTest {

    @Test
    void everyWorkersCopyTrainsWithTheInPlaceUpdater() {
        ModelSpec spec = ModelSpec.of(Architecture.UNET, 32, 3).withWidth(4);
        ComputationGraph graph = Networks.build(spec);
        InPlaceUpdater.install(graph);
        INDArray before = graph.params().dup();
        // The wrapper hands its listeners to every worker's copy: this one notes the updater each
        // copy had when it finished a minibatch.
        Map<Model, Class<?>> updaterAtIteration = new IdentityHashMap<>();
        ParallelWrapper wrapper = SegmentationTrainer.parallelWrapper(graph, 2, new InPlaceTrainerContext());
        wrapper.setListeners(new BaseTrainingListener() {
            @Override
            public void iterationDone(Model model, int iteration, int epoch) {
                synchronized (updaterAtIteration) {
                    updaterAtIteration.put(model, ((ComputationGraph) model).getUpdater().getClass());
                }
            }
        });
        SegmentationIterator batches = SegmentationIterator.builder(LearningData.pets(32).train()
                .subset(IntStream.range(0, 32).toArray())).batchSize(8).seed(1).build();
        try {
            wrapper.fit(batches);
        } finally {
            wrapper.shutdown();
        }

        assertThat(updaterAtIteration).hasSize(2).containsKey(graph);
        assertThat(updaterAtIteration.values()).containsOnly(InPlaceUpdater.class);
        assertThat(graph.params()).isNotEqualTo(before);
        assertThat(graph.getUpdater().getStateViewArray().amaxNumber().doubleValue()).isGreaterThan(0);
    }
}
