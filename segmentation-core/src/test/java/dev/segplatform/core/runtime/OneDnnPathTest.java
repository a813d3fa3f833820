package dev.segplatform.core.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.segplatform.core.bench.ModelBench;
import dev.segplatform.core.model.Architecture;
import dev.segplatform.core.model.ModelSpec;
import dev.segplatform.core.model.Networks;
import dev.segplatform.core.model.layer.FastConvolution;
import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.layers.convolution.ConvolutionLayer;
import org.deeplearning4j.nn.layers.convolution.subsampling.SubsamplingLayer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.nativeblas.NativeOpsHolder;

/**
 * The fast path is really taken, and computes what DL4J's built-in layers compute: for each
 * network, a graph whose convolutions call oneDNN directly ({@code FastConvolution}) and whose
 * pooling layers run in DL4J's oneDNN helper gives the same outputs and gradients as the same
 * graph (same seed, so same weights) built with DL4J's built-in layers (helpers and
 * {@code FastConvolution} off), and no pooling layer falls back to the built-in path while
 * training. (Batch norm runs in the platform's own {@code FusedBatchNorm} either way;
 * {@code FusedBatchNormTest} compares it with DL4J's, {@code FastConvolutionTest} each convolution.)
 */
class OneDnnPathTest {

    private static final int SIZE = 64;
    private static final int BATCH = 2;

    @Test
    void theOneDnnBuildIsLoadedBeforeAnyTest() {
        // Configured by test-support's NativeBackendListener when the test JVM started.
        assertThat(NativeBackend.configure().extension()).isEqualTo(NativeBackend.ONEDNN_EXTENSION);
        // Nd4j first: NativeOpsHolder cannot initialise before ND4J has loaded its backend.
        assertThat(Nd4j.getEnvironment().helpersAllowed()).isTrue();
        assertThat(NativeOpsHolder.getInstance().getDeviceNativeOps().buildInfo()).contains("HAVE_ONEDNN");
    }

    @ParameterizedTest
    @EnumSource(Architecture.class)
    void helpersComputeWhatTheBuiltInLayersCompute(Architecture architecture) throws Exception {
        ModelSpec spec = ModelSpec.of(architecture, SIZE, 3);
        ComputationGraph fast = Networks.build(spec);
        ComputationGraph builtIn = withHelpersOff(() -> Networks.build(spec));
        assertThat(fast.params()).isEqualTo(builtIn.params());
        List<Layer> helped = helpedLayers(fast);
        // U-Net and ICNet pool; PSPNet does not.
        assertThat(helped).allSatisfy(l -> assertThat(helper(l)).as(l.conf().getLayer().getLayerName()).isNotNull());
        assertThat(helpedLayers(builtIn)).allSatisfy(l -> assertThat(helper(l)).isNull());

        MultiDataSet batch = ModelBench.randomBatch(spec, BATCH, new Random(5));
        INDArray[] expected = builtIn.output(false, batch.getFeatures());
        INDArray[] actual = fast.output(false, batch.getFeatures());
        for (int i = 0; i < expected.length; i++) {
            assertThat(relativeDifference(actual[i], expected[i])).as("output %d", i).isLessThan(1e-4);
        }

        Gradient expectedGradient = gradient(builtIn, batch);
        Gradient actualGradient = gradient(fast, batch);
        List<Double> differences = new ArrayList<>();
        for (String name : expectedGradient.gradientForVariable().keySet()) {
            double difference = relativeNormDifference(actualGradient.getGradientFor(name), expectedGradient.getGradientFor(name));
            assertThat(difference).as(name).isLessThan(5e-2);
            differences.add(difference);
        }
        Collections.sort(differences);
        // 1e-3, not 1e-4: here the batch norms run in oneDNN on the blocked layout and keep ReLU's
        // mask from their forward pass, while the built-in graph's recompute it from statistics
        // rounded otherwise; a few pixels next to zero then fall on the other side, and U-Net's
        // gradients (sums of terms that largely cancel) differed by a median of 2.5e-4, against
        // 2e-6 for PSPNet and ICNet and 4e-6 for the same graph given an input changed by one part in
        // 5 million. One layer alone matches the Java path to rounding (FusedBatchNormTest).
        assertThat(differences.get(differences.size() / 2)).as("median over the parameters").isLessThan(1e-3);

        fast.fit(batch);
        for (Layer l : helped) {
            assertThat(failures(l)).as("helper fallbacks in " + l.conf().getLayer().getLayerName()).isZero();
        }
    }

    private static <T> T withHelpersOff(java.util.function.Supplier<T> body) {
        String before = System.getProperty(NativeBackend.HELPERS_DISABLED_PROPERTY);
        System.setProperty(NativeBackend.HELPERS_DISABLED_PROPERTY, "true");
        System.setProperty(NativeBackend.ONEDNN_CONVOLUTION_PROPERTY, "false");
        try {
            return body.get();
        } finally {
            System.setProperty(NativeBackend.HELPERS_DISABLED_PROPERTY, before);
            System.clearProperty(NativeBackend.ONEDNN_CONVOLUTION_PROPERTY);
        }
    }

    private static List<Layer> helpedLayers(ComputationGraph graph) {
        return List.of(graph.getLayers()).stream()
                .filter(l -> l instanceof SubsamplingLayer
                        || l instanceof ConvolutionLayer && !(l.conf().getLayer() instanceof FastConvolution))
                .toList();
    }

    private static Object helper(Layer layer) {
        if (layer instanceof ConvolutionLayer c) {
            return c.getHelper();
        }
        return ((SubsamplingLayer) layer).getHelper();
    }

    /** DL4J counts a helper's failures (after which it silently uses the built-in path). */
    private static int failures(Layer layer) {
        try {
            Field f = layer.getClass().getDeclaredField("helperCountFail");
            f.setAccessible(true);
            return f.getInt(layer);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }

    private static Gradient gradient(ComputationGraph graph, MultiDataSet batch) {
        graph.setInputs(batch.getFeatures());
        graph.setLabels(batch.getLabels());
        graph.computeGradientAndScore();
        return graph.gradient();
    }

    /** max |a - b| / max |b|: the scale of these arrays varies per layer by orders of magnitude. */
    private static double relativeDifference(INDArray actual, INDArray expected) {
        assertThat(actual.shape()).containsExactly(expected.shape());
        double scale = Math.max(expected.amaxNumber().doubleValue(), 1e-12);
        return actual.sub(expected).amaxNumber().doubleValue() / scale;
    }

    /**
     * ||a - b|| / ||b||, for gradients. Float32 sums in another order make gradients differ by about
     * 1e-5, so the median over a network's parameters must stay below 1e-4. A few may differ by
     * more: where a value before a ReLU or a max pool is within rounding of the switching point,
     * the two graphs can route its gradient differently, and every layer below sees that (about
     * 2e-2 with this batch, from one layer of U-Net's encoder on). A wrong kernel, padding or
     * statistic differs by 1e-1 or more, hence the 5e-2 bound on every parameter.
     */
    private static double relativeNormDifference(INDArray actual, INDArray expected) {
        assertThat(actual.shape()).containsExactly(expected.shape());
        return actual.sub(expected).norm2Number().doubleValue() / Math.max(expected.norm2Number().doubleValue(), 1e-12);
    }

}
