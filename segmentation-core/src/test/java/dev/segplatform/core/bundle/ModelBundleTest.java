package dev.segplatform.core.bundle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.segplatform.core.dataset.SegmentationDataset;
import dev.segplatform.core.model.Architecture;
import dev.segplatform.core.model.ModelSpec;
import dev.segplatform.core.model.Networks;
import dev.segplatform.core.predict.ClassMask;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
import javax.imageio.ImageIO;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;

class ModelBundleTest {

    @TempDir
    Path dir;

    /** A graph that has taken a couple of Adam steps, so weights and updater state are not initial. */
    private static ComputationGraph trainedALittle(ModelSpec spec) {
        ComputationGraph graph = Networks.build(spec);
        int[] strides = Networks.labelDownsample(spec);
        INDArray[] labels = new INDArray[strides.length];
        for (int i = 0; i < strides.length; i++) {
            int side = spec.inputSize() / strides[i];
            labels[i] = Nd4j.zeros(2, spec.numClasses(), side, side);
            labels[i].get(org.nd4j.linalg.indexing.NDArrayIndex.all(), org.nd4j.linalg.indexing.NDArrayIndex.point(1))
                    .assign(1);
        }
        MultiDataSet batch = new MultiDataSet(new INDArray[] {Nd4j.rand(2, 3, spec.inputSize(), spec.inputSize())}, labels);
        graph.fit(batch);
        graph.fit(batch);
        return graph;
    }

    private static byte[] png(int width, int height, long seed) throws IOException {
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Random r = new Random(seed);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                boolean blob = Math.hypot(x - width / 2.0, y - height / 2.0) < Math.min(width, height) / 3.0;
                img.setRGB(x, y, blob ? 0xC08040 + r.nextInt(16) : r.nextInt(0x404040));
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(img, "png", out);
        return out.toByteArray();
    }

    @ParameterizedTest
    @EnumSource(Architecture.class)
    void saveLoadPredictGivesTheSameMask(Architecture architecture) throws IOException {
        ModelSpec spec = ModelSpec.of(architecture, 64, 3).withWidth(4).withSeed(9);
        ComputationGraph graph = trainedALittle(spec);
        ModelBundle bundle = ModelBundle.of(graph, spec, SegmentationDataset.CLASS_NAMES,
                Map.of("val_mean_iou", 0.5), "run-42");
        Path file = dir.resolve(architecture.jsonName() + ".segbundle");
        bundle.save(file);

        ModelBundle loaded = ModelBundle.load(file);
        byte[] image = png(90, 70, 3);
        ClassMask before = new Predictor(bundle).predict(image);
        ClassMask after = new Predictor(loaded).predict(image);

        assertThat(after.width()).isEqualTo(90);
        assertThat(after.height()).isEqualTo(70);
        assertThat(after).isEqualTo(before);
        assertThat(loaded.graph().params()).isEqualTo(graph.params());
        assertThat(loaded.graph().getUpdater().getStateViewArray()).isEqualTo(graph.getUpdater().getStateViewArray());
        assertThat(loaded.spec()).isEqualTo(spec);
        assertThat(loaded.descriptor().trainingRunId()).isEqualTo("run-42");
        assertThat(loaded.descriptor().metrics()).containsEntry("val_mean_iou", 0.5);
    }

    @Test
    void descriptorRecordsWhatInferenceNeeds() throws IOException {
        ModelSpec spec = ModelSpec.of(Architecture.ICNET, 64, 3).withWidth(4);
        ModelBundle.of(Networks.build(spec), spec, SegmentationDataset.CLASS_NAMES, Map.of(), null)
                .save(dir.resolve("b.zip"));

        String json = new String(entries(dir.resolve("b.zip")).get(ModelBundle.DESCRIPTOR_ENTRY), StandardCharsets.UTF_8);

        assertThat(json).contains("\"formatVersion\" : 1", "\"architecture\" : \"icnet\"", "\"inputSize\" : 64",
                "\"pet\"", "\"border\"", "scale [0,1]", "\"deeplearning4j\" : \"1.0.0-M2.1\"", "\"weightsSha256\"",
                "\"icnetLossWeights\" : [ 0.4, 0.4, 1.0 ]");
    }

    @Test
    void batchPredictionMatchesSinglePredictions() throws IOException {
        ModelSpec spec = ModelSpec.of(Architecture.PSPNET, 32, 3).withWidth(4);
        Predictor predictor = new Predictor(ModelBundle.of(trainedALittle(spec), spec, SegmentationDataset.CLASS_NAMES,
                Map.of(), null));
        byte[] a = png(40, 30, 1);
        byte[] b = png(25, 50, 2);

        List<ClassMask> both = predictor.predictBatch(List.of(a, b));

        assertThat(both).containsExactly(predictor.predict(a), predictor.predict(b));
        assertThat(both.get(1).width()).isEqualTo(25);
    }

    @Test
    void aCopyRunsBesideItsOriginalAndGivesTheSameProbabilities() throws Exception {
        ModelSpec spec = ModelSpec.of(Architecture.UNET, 32, 3).withWidth(4);
        Predictor original = new Predictor(ModelBundle.of(trainedALittle(spec), spec, SegmentationDataset.CLASS_NAMES,
                Map.of(), null));
        Predictor copy = original.copy();
        INDArray input = Nd4j.rand(DataType.FLOAT, 2, 3, 32, 32);
        INDArray expected = original.probabilities(input);

        // Each on a thread of its own, many passes at once: a copy that shared the graph's state with
        // its original would mix their activations.
        List<INDArray> fromCopy = Collections.synchronizedList(new ArrayList<>());
        List<INDArray> fromOriginal = Collections.synchronizedList(new ArrayList<>());
        Thread a = new Thread(() -> {
            for (int i = 0; i < 20; i++) {
                fromCopy.add(copy.probabilities(input));
            }
        });
        Thread b = new Thread(() -> {
            for (int i = 0; i < 20; i++) {
                fromOriginal.add(original.probabilities(input));
            }
        });
        a.start();
        b.start();
        a.join();
        b.join();

        assertThat(fromCopy).hasSize(20).allSatisfy(p -> assertThat(p.equalsWithEps(expected, 1e-6)).isTrue());
        assertThat(fromOriginal).hasSize(20).allSatisfy(p -> assertThat(p.equalsWithEps(expected, 1e-6)).isTrue());
        assertThat(copy.spec()).isEqualTo(original.spec());
    }

    @Test
    void alteredWeightsAreRefused() throws IOException {
        Path file = saveSmallBundle();
        Map<String, byte[]> entries = entries(file);
        byte[] weights = entries.get(ModelBundle.MODEL_ENTRY);
        weights[weights.length / 2] ^= 0x5A;
        writeEntries(file, entries);

        assertThatThrownBy(() -> ModelBundle.load(file))
                .isInstanceOf(InvalidBundleException.class)
                .hasMessageContaining("SHA-256")
                .hasMessageContaining("corrupt or was altered");
    }

    @Test
    void anUnknownFormatVersionIsRefused() throws IOException {
        Path file = saveSmallBundle();
        Map<String, byte[]> entries = entries(file);
        String json = new String(entries.get(ModelBundle.DESCRIPTOR_ENTRY), StandardCharsets.UTF_8)
                .replace("\"formatVersion\" : 1", "\"formatVersion\" : 2");
        entries.put(ModelBundle.DESCRIPTOR_ENTRY, json.getBytes(StandardCharsets.UTF_8));
        writeEntries(file, entries);

        assertThatThrownBy(() -> ModelBundle.load(file))
                .isInstanceOf(InvalidBundleException.class)
                .hasMessageContaining("format version 2")
                .hasMessageContaining("reads version 1");
    }

    @Test
    void aZipWithoutTheEntriesIsRefused() throws IOException {
        Path file = dir.resolve("empty.zip");
        writeEntries(file, Map.of("other.txt", new byte[] {1}));
        assertThatThrownBy(() -> ModelBundle.load(file))
                .isInstanceOf(InvalidBundleException.class)
                .hasMessageContaining("not a model bundle");
    }

    private Path saveSmallBundle() throws IOException {
        ModelSpec spec = ModelSpec.of(Architecture.UNET, 32, 3).withWidth(4);
        Path file = dir.resolve("small.zip");
        ModelBundle.of(Networks.build(spec), spec, SegmentationDataset.CLASS_NAMES, Map.of(), null).save(file);
        return file;
    }

    private static Map<String, byte[]> entries(Path zip) throws IOException {
        Map<String, byte[]> entries = new LinkedHashMap<>();
        try (InputStream in = Files.newInputStream(zip); ZipInputStream z = new ZipInputStream(in)) {
            for (ZipEntry e = z.getNextEntry(); e != null; e = z.getNextEntry()) {
                entries.put(e.getName(), z.readAllBytes());
            }
        }
        return entries;
    }

    private static void writeEntries(Path zip, Map<String, byte[]> entries) throws IOException {
        try (OutputStream out = Files.newOutputStream(zip); ZipOutputStream z = new ZipOutputStream(out)) {
            for (Map.Entry<String, byte[]> e : entries.entrySet()) {
                z.putNextEntry(new ZipEntry(e.getKey()));
                z.write(e.getValue());
                z.closeEntry();
            }
        }
    }
}
