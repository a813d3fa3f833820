package dev.segplatform.core.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class NetworkShapeTest {

    static List<Arguments> architecturesAndSizes() {
        return List.of(
                Arguments.of(Architecture.UNET, 64), Arguments.of(Architecture.UNET, 128),
                Arguments.of(Architecture.PSPNET, 64), Arguments.of(Architecture.PSPNET, 128),
                Arguments.of(Architecture.ICNET, 64), Arguments.of(Architecture.ICNET, 128));
    }

    @ParameterizedTest(name = "{0} at {1}x{1}")
    @MethodSource("architecturesAndSizes")
    void outputsHaveTheClassCountAndTheDeclaredStrides(Architecture architecture, int size) {
        // 5 classes, not the default 3, so a builder that ignores numClasses fails here.
        ModelSpec spec = ModelSpec.of(architecture, size, 5);
        ComputationGraph graph = Networks.build(spec);
        int[] strides = Networks.labelDownsample(spec);

        INDArray[] outputs = graph.output(Nd4j.rand(2, 3, size, size));

        assertThat(outputs).hasSize(strides.length);
        for (int i = 0; i < outputs.length; i++) {
            int side = size / strides[i];
            assertThat(outputs[i].shape()).containsExactly(2, 5, side, side);
            // Softmax over channels: every pixel's probabilities sum to one.
            INDArray sums = outputs[i].sum(1);
            assertThat(sums.minNumber().doubleValue()).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-4));
            assertThat(sums.maxNumber().doubleValue()).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-4));
        }
        assertThat(Networks.fullResolution(spec, outputs).shape()).containsExactly(2, 5, size, size);
    }

    @ParameterizedTest
    @EnumSource(Architecture.class)
    void everyVertexFeedsAnotherOrIsAnOutput(Architecture architecture) {
        SegmentationNetwork network = Networks.network(ModelSpec.of(architecture, 64, 3));
        ComputationGraphConfiguration conf = network.conf();

        Set<String> consumed = new HashSet<>();
        for (Map.Entry<String, List<String>> e : conf.getVertexInputs().entrySet()) {
            consumed.addAll(e.getValue());
        }
        Set<String> dangling = new HashSet<>(conf.getVertices().keySet());
        dangling.removeAll(consumed);
        dangling.removeAll(conf.getNetworkOutputs());

        assertThat(dangling).as("vertices whose output nobody uses").isEmpty();
        assertThat(consumed).contains(SegmentationNetwork.INPUT);
        assertThat(conf.getNetworkOutputs()).containsExactlyElementsOf(network.outputNames());
    }

    @ParameterizedTest
    @EnumSource(Architecture.class)
    void layersAreNamedByBlock(Architecture architecture) {
        Set<String> names = Networks.network(ModelSpec.of(architecture, 64, 3)).conf().getVertices().keySet();
        switch (architecture) {
            case UNET -> assertThat(names).contains("enc1-conv1", "pool1", "bridge-conv2", "up4", "merge1", "dec1-conv2", "head");
            case PSPNET -> assertThat(names).contains("stage1-conv1", "ppm-pool6", "ppm-bin6", "ppm-up6", "ppm-concat", "upsample");
            case ICNET -> assertThat(names).contains("sub1-conv1", "sub2-downsample", "sub4-downsample", "ppm-sum",
                    "cff1-up", "cff1-dilated", "cff2-proj", "cff2-cls", "final-cls");
        }
    }
}
