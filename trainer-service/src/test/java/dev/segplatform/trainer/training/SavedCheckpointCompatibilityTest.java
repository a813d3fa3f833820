package dev.segplatform.trainer.training;

import static org.assertj.core.api.Assertions.assertThat;

import dev.segplatform.core.model.Architecture;
import dev.segplatform.core.model.ModelSpec;
import dev.segplatform.core.model.Networks;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A checkpoint written by an earlier build ({@code src/test/resources/checkpoints/}, see its
 * README) still resumes: the graph, with DL4J's custom-layer class names as they were then, loads
 * with its Adam state, predicts the mask it predicted when saved, and the training state reads back.
 */
class SavedCheckpointCompatibilityTest {

    static final int SIZE = 32;

    @TempDir
    Path dir;

    @Test
    void aSavedCheckpointResumesWithItsWeightsUpdaterAndState() throws IOException {
        Path file = dir.resolve("last.zip");
        try (InputStream in = resource("unet-last.zip")) {
            Files.copy(in, file);
        }
        String expected;
        try (InputStream in = resource("unet-last.mask.txt")) {
            expected = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
        }

        Checkpoints.Loaded loaded = Checkpoints.read(file);

        assertThat(loaded.state()).isEqualTo(new TrainState(3, 1, 0.75, 1, Map.of("valLoss", 0.75), 0, Map.of()));
        assertThat(loaded.graph().getUpdater().getStateViewArray()).as("Adam moments").isNotNull();
        assertThat(loaded.graph().getUpdater().getStateViewArray().amaxNumber().doubleValue()).isGreaterThan(0);
        assertThat(mask(loaded.graph())).isEqualTo(expected);
    }

    /** Writes the fixture into {@code -Dcheckpoints.write}; by hand only, never after a class moves. */
    @Test
    @EnabledIfSystemProperty(named = "checkpoints.write", matches = ".+")
    void writeFixture() throws IOException {
        Path out = Path.of(System.getProperty("checkpoints.write"));
        Files.createDirectories(out);
        ModelSpec spec = new ModelSpec(Architecture.UNET, SIZE, 3, 1, 7, null, 0.01, 0, null, null, null, null, null, false);
        ComputationGraph graph = Networks.build(spec);
        INDArray labels = Nd4j.zeros(DataType.FLOAT, 1, 3, SIZE, SIZE);
        for (int y = 0; y < SIZE; y++) {
            for (int x = 0; x < SIZE; x++) {
                labels.putScalar(new long[] {0, Math.min(2, 3 * x / SIZE), y, x}, 1);
            }
        }
        for (int i = 0; i < 20; i++) {
            graph.fit(new MultiDataSet(new INDArray[] {input()}, new INDArray[] {labels}));
        }
        Checkpoints.write(out.resolve("unet-last.zip"), graph,
                new TrainState(3, 1, 0.75, 1, Map.of("valLoss", 0.75), 0, Map.of()));
        Files.writeString(out.resolve("unet-last.mask.txt"),
                mask(Checkpoints.read(out.resolve("unet-last.zip")).graph()), StandardCharsets.US_ASCII);
    }

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

    static String mask(ComputationGraph graph) {
        INDArray classes = graph.output(false, input())[0].argMax(1);
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
        InputStream in = SavedCheckpointCompatibilityTest.class.getResourceAsStream("/checkpoints/" + name);
        assertThat(in).as("test resource checkpoints/" + name).isNotNull();
        return in;
    }
}
