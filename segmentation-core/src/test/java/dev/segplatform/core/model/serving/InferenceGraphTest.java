package dev.segplatform.core.model.serving;

import dev.segplatform.core.model.layer.FusedBatchNorm;
import dev.segplatform.core.model.Architecture;
import dev.segplatform.core.model.Networks;
import dev.segplatform.core.model.ModelSpec;
import dev.segplatform.core.model.layer.GraphChecks;
import dev.segplatform.core.model.layer.FastConvolution;
import dev.segplatform.core.model.layer.MaxPool2x2;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.segplatform.core.bench.ModelBench;
import java.util.Arrays;
import java.util.Random;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;

/** {@link InferenceGraph} computes what the trained graph computes, with its batch norms folded away. */
class InferenceGraphTest {

    @ParameterizedTest
    @EnumSource(Architecture.class)
    void foldedGraphPredictsWhatTheTrainedGraphPredicts(Architecture architecture) {
        // Default widths: their channel counts are multiples of 16, so convolutions also link up
        // in oneDNN's blocked layout.
        ModelSpec spec = ModelSpec.of(architecture, 64, 3);
        ComputationGraph trained = Networks.build(spec);
        MultiDataSet batch = ModelBench.randomBatch(spec, 4, new Random(5));
        for (int i = 0; i < 3; i++) {
            trained.fit(batch); // running estimates away from their initial 0 and 1
        }
        INDArray before = trained.params().dup();

        ComputationGraph serving = InferenceGraph.fold(trained);

        long norms = Arrays.stream(trained.getLayers()).filter(l -> l.conf().getLayer() instanceof FusedBatchNorm).count();
        long left = Arrays.stream(serving.getLayers()).filter(l -> l.conf().getLayer() instanceof FusedBatchNorm).count();
        assertThat(left).isLessThan(norms);
        assertThat(Arrays.stream(serving.getLayers()).map(l -> l.conf().getLayer()))
                .anyMatch(l -> l instanceof FastConvolution c && c.isBlockedOutput());
        assertThat(Arrays.stream(serving.getLayers()).map(l -> l.conf().getLayer()).filter(FastConvolution.class::isInstance))
                .allMatch(l -> ((FastConvolution) l).hasFixedWeights());
        assertThat(serving.getConfiguration().getNetworkOutputs()).isEqualTo(trained.getConfiguration().getNetworkOutputs());
        long maxPools = Arrays.stream(trained.getLayers()).filter(l -> l.conf().getLayer() instanceof SubsamplingLayer s
                && s.getPoolingType() == PoolingType.MAX).count();
        assertThat(Arrays.stream(serving.getLayers()).filter(l -> l.conf().getLayer() instanceof MaxPool2x2).count())
                .isEqualTo(maxPools);
        assertThat(Arrays.stream(serving.getLayers()).map(l -> l.conf().getLayer()))
                .noneMatch(l -> l instanceof SubsamplingLayer s && s.getPoolingType() == PoolingType.MAX);
        INDArray[] expected = trained.output(false, batch.getFeatures(0));
        // Twice: the second pass runs on the weights oneDNN reordered in the first.
        for (int pass = 0; pass < 2; pass++) {
            INDArray[] actual = serving.output(false, batch.getFeatures(0));
            assertThat(actual).hasSameSizeAs(expected);
            for (int o = 0; o < expected.length; o++) {
                assertThat(GraphChecks.relativeDifference(actual[o], expected[o])).isLessThan(1e-4);
            }
        }
        assertThat(trained.params()).isEqualTo(before);
    }

    @org.junit.jupiter.api.Test
    void icnetClassifiesBeforeItsLastResize() {
        ComputationGraph serving = InferenceGraph.fold(Networks.build(ModelSpec.of(Architecture.ICNET, 64, 3).withWidth(4)));
        assertThat(serving.getConfiguration().getVertexInputs().get("final-up")).containsExactly("final-cls");
        assertThat(serving.getConfiguration().getVertexInputs().get("final-cls")).containsExactly("cff2-relu");
    }

    @ParameterizedTest
    @EnumSource(Architecture.class)
    void foldedGraphRefusesToTrain(Architecture architecture) {
        ModelSpec spec = ModelSpec.of(architecture, 64, 3).withWidth(4);
        ComputationGraph serving = InferenceGraph.fold(Networks.build(spec));
        MultiDataSet batch = ModelBench.randomBatch(spec, 2, new Random(5));
        assertThatThrownBy(() -> serving.fit(batch)).hasStackTraceContaining("folded inference graph");
    }
}
