package dev.segplatform.core.bundle;

import static org.assertj.core.api.Assertions.assertThat;

import dev.segplatform.core.model.Architecture;
import dev.segplatform.core.model.ModelSpec;
import dev.segplatform.core.model.Networks;
import dev.segplatform.core.model.layer.FastConvolution;
import dev.segplatform.core.model.layer.FusedBatchNorm;
import dev.segplatform.core.model.layer.PixelSoftmaxLoss;
import dev.segplatform.core.model.layer.legacy.PhaseShuffle;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;

/**
 * Bundles written by earlier builds keep loading and predicting what they predicted then. DL4J
 * stores every custom layer and loss under its full class name, so moving or renaming one of them
 * would otherwise make every saved model unreadable; {@code src/test/resources/bundles/} holds one
 * small bundle per network, one holding the legacy {@link PhaseShuffle} layer, and the class mask
 * each predicted for {@link #input} when it was written. The fixtures were written by {@link
 * #writeFixtures} (see the folder's README) and must not be regenerated after a class moves: their
 * point is that they hold the old names.
 */
class SavedBundleCompatibilityTest {

    static final int SIZE = 32;
    static final List<String> FIXTURES = List.of("unet", "pspnet", "icnet", "phase-shuffle");

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"unet", "pspnet", "icnet", "phase-shuffle"})
    void aSavedBundleLoadsAndPredictsTheMaskItPredictedWhenSaved(String name) throws IOException {
        ModelBundle bundle;
        try (InputStream in = resource(name + ".zip")) {
            bundle = ModelBundle.read(in, name + ".zip");
        }
        String expected;
        try (InputStream in = resource(name + ".mask.txt")) {
            expected = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
        }

        assertThat(mask(new Predictor(bundle))).isEqualTo(expected);
    }

    @Test
    void theFixturesStaySmall() throws IOException {
        long total = 0;
        for (String name : FIXTURES) {
            try (InputStream in = resource(name + ".zip")) {
                long size = in.readAllBytes().length;
                assertThat(size).as(name).isLessThan(400_000);
                total += size;
            }
        }
        assertThat(total).isLessThan(1_500_000);
    }

    /**
     * Writes the fixtures with this build's classes into the folder named by {@code
     * -Dbundles.write}. Run only by hand, and only when a new fixture is wanted.
     */
    @Test
    @EnabledIfSystemProperty(named = "bundles.write", matches = ".+")
    void writeFixtures() throws IOException {
        Path dir = Path.of(System.getProperty("bundles.write"));
        Files.createDirectories(dir);
        for (Architecture a : Architecture.values()) {
            ModelSpec spec = new ModelSpec(a, SIZE, 3, 2, 7, null, 0.01, 0, null, null, null, null, null, false);
            write(dir, a.jsonName(), ModelBundle.of(trained(Networks.build(spec), spec), spec,
                    List.of("pet", "background", "border"), Map.of("meanIoU", 0.5), "fixture"));
        }
        ModelSpec spec = new ModelSpec(Architecture.PSPNET, SIZE, 3, 2, 7, null, 0.01, 0, null, null, null, null, null, false);
        write(dir, "phase-shuffle", ModelBundle.of(trained(phaseShuffleGraph(), spec), spec,
                List.of("pet", "background", "border"), Map.of(), "fixture"));
    }

    private static void write(Path dir, String name, ModelBundle bundle) throws IOException {
        bundle.save(dir.resolve(name + ".zip"));
        // Predict from the bundle as read back, as the test does.
        ModelBundle read = ModelBundle.load(dir.resolve(name + ".zip"));
        Files.writeString(dir.resolve(name + ".mask.txt"), mask(new Predictor(read)), StandardCharsets.US_ASCII);
    }

    /**
     * What bundles trained before {@link FastConvolution} ran dilated kernels held: the phases of
     * the activation moved into the batch around a plain 3x3 convolution.
     */
    private static ComputationGraph phaseShuffleGraph() {
        var g = new NeuralNetConfiguration.Builder().seed(7).dataType(DataType.FLOAT).weightInit(WeightInit.RELU)
                .activation(Activation.IDENTITY).convolutionMode(ConvolutionMode.Same).updater(new Adam(0.01))
                .graphBuilder()
                .addInputs("input")
                .setInputTypes(InputType.convolutional(SIZE, SIZE, 3))
                .addLayer("conv1", new FastConvolution.Builder(3, 3).nOut(4).hasBias(false).build(), "input")
                .addLayer("bn1", new FusedBatchNorm(true), "conv1")
                .addLayer("conv2-to-batch", new PhaseShuffle(2, PhaseShuffle.Direction.TO_BATCH, SIZE, SIZE), "bn1")
                .addLayer("conv2", new FastConvolution.Builder(3, 3).nOut(4).hasBias(false).build(), "conv2-to-batch")
                .addLayer("conv2-to-space", new PhaseShuffle(2, PhaseShuffle.Direction.TO_SPACE, SIZE, SIZE), "conv2")
                .addLayer("bn2", new FusedBatchNorm(true), "conv2-to-space")
                .addLayer("classifier", new FastConvolution.Builder(1, 1).nOut(3).hasBias(true).build(), "bn2")
                .addLayer("output", new PixelSoftmaxLoss(1.0, SIZE * SIZE), "classifier")
                .setOutputs("output");
        ComputationGraph graph = new ComputationGraph(g.build());
        graph.init();
        return graph;
    }

    /**
     * A few Adam steps towards a fixed pattern (class by horizontal third), so the saved weights,
     * batch norm statistics and updater state are not initial and the predicted classes are clear.
     */
    private static ComputationGraph trained(ComputationGraph graph, ModelSpec spec) {
        int[] strides = Networks.labelDownsample(spec);
        INDArray[] labels = new INDArray[strides.length];
        for (int i = 0; i < strides.length; i++) {
            int side = SIZE / strides[i];
            labels[i] = Nd4j.zeros(DataType.FLOAT, 2, 3, side, side);
            for (int y = 0; y < side; y++) {
                for (int x = 0; x < side; x++) {
                    int c = Math.min(2, 3 * x / side);
                    labels[i].putScalar(new long[] {0, c, y, x}, 1);
                    labels[i].putScalar(new long[] {1, c, y, x}, 1);
                }
            }
        }
        MultiDataSet batch = new MultiDataSet(new INDArray[] {Nd4j.concat(0, input(), input().mul(0.5))}, labels);
        for (int i = 0; i < 20; i++) {
            graph.fit(batch);
        }
        return graph;
    }

    /** The fixed input: a smooth gradient per channel, no random numbers. */
    static INDArray input() {
        INDArray x = Nd4j.zeros(DataType.FLOAT, 1, 3, SIZE, SIZE);
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < SIZE; y++) {
                for (int xx = 0; xx < SIZE; xx++) {
                    x.putScalar(new long[] {0, c, y, xx}, ((xx + 2 * y + 7 * c) % SIZE) / (float) SIZE);
                }
            }
        }
        return x;
    }

    /** The class of each pixel as one digit, one line per row. */
    static String mask(Predictor predictor) {
        INDArray classes = predictor.probabilities(input()).argMax(1);
        StringBuilder s = new StringBuilder();
        for (int y = 0; y < SIZE; y++) {
            for (int x = 0; x < SIZE; x++) {
                s.append(classes.getInt(0, y, x));
            }
            s.append('\n');
        }
        return s.toString();
    }

    private static InputStream resource(String name) {
        InputStream in = SavedBundleCompatibilityTest.class.getResourceAsStream("/bundles/" + name);
        assertThat(in).as("test resource bundles/" + name).isNotNull();
        return in;
    }
}
