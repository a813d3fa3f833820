package dev.segplatform.core.model.layer;

import static dev.segplatform.core.model.layer.GraphChecks.gradient;
import static dev.segplatform.core.model.layer.GraphChecks.relativeDifference;
import static org.assertj.core.api.Assertions.assertThat;

import dev.segplatform.core.runtime.NativeBackend;
import dev.segplatform.core.runtime.OpenMpThreads;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.CnnLossLayer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * {@link FastConvolution} computes what DL4J's convolution layer computes (its built-in path, no
 * helpers): outputs, and the gradients of weights, bias and input, for the geometries the
 * networks use ("same" padding at stride 1 and 2 on odd and even sizes, 1x1 with bias, dilation 2
 * and 4) and DL4J's truncating mode with explicit padding; and it falls back to DL4J's layer in double precision,
 * where gradients match finite differences.
 */
class FastConvolutionTest {

    private static ComputationGraph graph(boolean fast, DataType type, int kernel, int stride, int size, boolean bias,
            ConvolutionMode mode, int padding) {
        return graph(fast, type, kernel, stride, 1, size, bias, mode, padding);
    }

    private static ComputationGraph graph(boolean fast, DataType type, int kernel, int stride, int dilation, int size,
            boolean bias, ConvolutionMode mode, int padding) {
        NeuralNetConfiguration.Builder conf = type == DataType.DOUBLE ? DoublePrecision.configuration(5)
                : new NeuralNetConfiguration.Builder().seed(5).dataType(type).updater(new Sgd(0.1)).weightInit(WeightInit.XAVIER);
        ConvolutionLayer.Builder layer = fast ? new FastConvolution.Builder(kernel, kernel) : new ConvolutionLayer.Builder(kernel, kernel);
        layer.stride(stride, stride).dilation(dilation, dilation).padding(padding, padding).convolutionMode(mode).nOut(5).hasBias(bias)
                .activation(Activation.IDENTITY).biasInit(0.3);
        ComputationGraphConfiguration g = conf.graphBuilder()
                .addInputs("in")
                .setInputTypes(InputType.convolutional(size, size, 3))
                // A layer below, so that the input gradient is checked through its weights' gradient.
                .addLayer("pre", new ConvolutionLayer.Builder(1, 1).nOut(3).activation(Activation.TANH).build(), "in")
                .addLayer("conv", layer.build(), "pre")
                .addLayer("out", new CnnLossLayer.Builder(LossFunctions.LossFunction.MSE).activation(Activation.IDENTITY).build(), "conv")
                .setOutputs("out")
                .build();
        ComputationGraph graph = new ComputationGraph(g);
        graph.init();
        return graph;
    }

    /** DL4J's layer on its built-in path, without the oneDNN helper. */
    private static ComputationGraph reference(DataType type, int kernel, int stride, int dilation, int size, boolean bias,
            ConvolutionMode mode, int padding) {
        String before = System.getProperty(NativeBackend.HELPERS_DISABLED_PROPERTY);
        System.setProperty(NativeBackend.HELPERS_DISABLED_PROPERTY, "true");
        try {
            return graph(false, type, kernel, stride, dilation, size, bias, mode, padding);
        } finally {
            System.setProperty(NativeBackend.HELPERS_DISABLED_PROPERTY, before == null ? "false" : before);
        }
    }

    @ParameterizedTest
    @CsvSource({"3, 1, 1, 8, false, Same, 0", "3, 2, 1, 8, false, Same, 0", "3, 2, 1, 7, false, Same, 0",
        "1, 1, 1, 6, true, Same, 0", "3, 1, 1, 9, true, Same, 0", "3, 2, 1, 9, true, Truncate, 1",
        "3, 1, 1, 6, false, Truncate, 0", "3, 1, 2, 8, false, Same, 0", "3, 1, 4, 9, false, Same, 0", "3, 1, 2, 9, true, Truncate, 2"})
    void computesWhatDl4jComputes(int kernel, int stride, int dilation, int size, boolean bias, ConvolutionMode mode, int padding) {
        ComputationGraph fast = graph(true, DataType.FLOAT, kernel, stride, dilation, size, bias, mode, padding);
        ComputationGraph reference = reference(DataType.FLOAT, kernel, stride, dilation, size, bias, mode, padding);
        assertThat(fast.params()).isEqualTo(reference.params());
        Nd4j.getRandom().setSeed(21);
        INDArray x = Nd4j.randn(DataType.FLOAT, 4, 3, size, size);
        INDArray expectedOut = reference.outputSingle(false, x);
        INDArray y = Nd4j.randn(DataType.FLOAT, expectedOut.shape());

        assertThat(relativeDifference(fast.outputSingle(false, x), expectedOut)).isLessThan(1e-5);
        Gradient expected = gradient(reference, x, y);
        Gradient actual = gradient(fast, x, y);
        assertThat(actual.gradientForVariable().keySet()).containsExactlyInAnyOrderElementsOf(expected.gradientForVariable().keySet());
        for (String name : expected.gradientForVariable().keySet()) {
            assertThat(relativeDifference(actual.getGradientFor(name), expected.getGradientFor(name))).as(name).isLessThan(1e-4);
        }
        // A second batch size uses another set of primitives, and the first still works after it.
        INDArray single = x.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 1)).dup();
        assertThat(relativeDifference(fast.outputSingle(false, single), reference.outputSingle(false, single))).isLessThan(1e-5);
        assertThat(relativeDifference(fast.outputSingle(false, x), expectedOut)).isLessThan(1e-5);
        assertThat(((FastConvolutionImpl) fast.getLayer("conv")).shapesBuilt()).as("oneDNN primitive sets").isEqualTo(2);
    }

    @Test
    void trainsLikeDl4jsLayer() {
        ComputationGraph fast = graph(true, DataType.FLOAT, 3, 2, 8, true, ConvolutionMode.Same, 0);
        ComputationGraph reference = reference(DataType.FLOAT, 3, 2, 1, 8, true, ConvolutionMode.Same, 0);
        for (int step = 0; step < 5; step++) {
            Nd4j.getRandom().setSeed(30 + step);
            INDArray x = Nd4j.randn(DataType.FLOAT, 4, 3, 8, 8);
            INDArray y = Nd4j.randn(DataType.FLOAT, 4, 5, 4, 4);
            fast.fit(new INDArray[] {x}, new INDArray[] {y});
            reference.fit(new INDArray[] {x}, new INDArray[] {y});
        }
        assertThat(relativeDifference(fast.params(), reference.params())).isLessThan(1e-4);
    }

    /**
     * A layer keeps primitives for every batch size up to the inference service's largest batch (and
     * a few more), frees the oldest set beyond that, and rebuilds it when that shape comes back.
     */
    @Test
    void keepsEveryBatchSizeOfDynamicBatchingAndFreesTheOldestBeyond() {
        ComputationGraph fast = graph(true, DataType.FLOAT, 3, 1, 8, true, ConvolutionMode.Same, 0);
        ComputationGraph reference = reference(DataType.FLOAT, 3, 1, 1, 8, true, ConvolutionMode.Same, 0);
        FastConvolutionImpl layer = (FastConvolutionImpl) fast.getLayer("conv");
        int[] batches = IntStream.concat(IntStream.rangeClosed(1, FastConvolutionImpl.SHAPES_KEPT + 2), IntStream.of(1))
                .toArray();
        for (int batch : batches) {
            Nd4j.getRandom().setSeed(50 + batch);
            INDArray x = Nd4j.randn(DataType.FLOAT, batch, 3, 8, 8);
            assertThat(relativeDifference(fast.outputSingle(false, x), reference.outputSingle(false, x))).as("batch " + batch)
                    .isLessThan(1e-5);
            if (batch == 8) {
                assertThat(layer.shapesBuilt()).as("batch sizes 1 to 8, all kept").isEqualTo(8);
            }
        }
        assertThat(layer.shapesBuilt()).isEqualTo(FastConvolutionImpl.SHAPES_KEPT);
    }

    /**
     * oneDNN fixes a convolution's thread count when it builds the primitive. A thread set to one
     * OpenMP thread (a serving copy's) gets convolutions built for one, not those a two-thread thread
     * built before it, which would fork a second thread on its every pass: four threads on two cores
     * for two copies. OpenMP's helper threads carry the name of the thread that forked them.
     */
    @Test
    void aThreadOnOneOpenMpThreadRunsConvolutionsBuiltForOne() throws Exception {
        ComputationGraph fast = graph(true, DataType.FLOAT, 3, 1, 64, true, ConvolutionMode.Same, 0);
        FastConvolutionImpl layer = (FastConvolutionImpl) fast.getLayer("conv");
        Nd4j.getRandom().setSeed(8);
        INDArray x = Nd4j.randn(DataType.FLOAT, 2, 3, 64, 64);
        INDArray onTwo = OpenMpThreads.callWith(2, () -> fast.outputSingle(false, x));
        assertThat(layer.shapesBuilt()).isEqualTo(1);

        String name = "one-omp-" + ProcessHandle.current().pid() % 10_000;
        INDArray[] onOne = new INDArray[1];
        long[] named = new long[1];
        Thread thread = new Thread(() -> {
            OpenMpThreads.setForThisThread(1);
            for (int pass = 0; pass < 3; pass++) {
                onOne[0] = fast.outputSingle(false, x);
            }
            named[0] = threadsNamed(name);
        }, name);
        thread.start();
        thread.join();

        assertThat(relativeDifference(onOne[0], onTwo)).isLessThan(1e-5);
        assertThat(layer.shapesBuilt()).as("a primitive set for each thread count").isEqualTo(2);
        assertThat(named[0]).as("threads named " + name + ": the caller and any OpenMP forked for it").isEqualTo(1);
    }

    /** This process's threads whose name (as the kernel keeps it, 15 characters at most) is {@code name}. */
    private static long threadsNamed(String name) {
        try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
            return tasks.filter(task -> {
                try {
                    return Files.readString(task.resolve("comm")).strip().equals(name);
                } catch (IOException e) {
                    return false; // the thread ended while listed
                }
            }).count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void doublePrecisionFallsBackToDl4jAndMatchesFiniteDifferences() {
        DoublePrecision.run(() -> {
            ComputationGraph fast = graph(true, DataType.DOUBLE, 3, 2, 7, true, ConvolutionMode.Same, 0);
            Nd4j.getRandom().setSeed(4);
            INDArray x = Nd4j.randn(DataType.DOUBLE, 2, 3, 7, 7);
            INDArray y = Nd4j.randn(DataType.DOUBLE, 2, 5, 4, 4);
            assertThat(DoublePrecision.gradientsMatchFiniteDifferences(fast, x, y)).isTrue();
            assertThat(((FastConvolutionImpl) fast.getLayer("conv")).shapesBuilt()).isZero();
            return null;
        });
    }

    @Test
    void survivesJson() {
        ComputationGraphConfiguration conf = graph(true, DataType.FLOAT, 3, 2, 8, true, ConvolutionMode.Same, 0).getConfiguration();
        ComputationGraphConfiguration restored = ComputationGraphConfiguration.fromJson(conf.toJson());
        assertThat(restored).isEqualTo(conf);
        assertThat(restored).isNotEqualTo(graph(false, DataType.FLOAT, 3, 2, 8, true, ConvolutionMode.Same, 0).getConfiguration());
    }
}
