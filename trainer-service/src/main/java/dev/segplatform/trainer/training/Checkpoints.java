package dev.segplatform.trainer.training;

import dev.segplatform.core.bundle.GraphArchive;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.Deflater;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
import org.deeplearning4j.nn.graph.ComputationGraph;
import tools.jackson.databind.json.JsonMapper;

/**
 * The checkpoint file: one zip with the graph (weights and updater state, so Adam's moments
 * survive a resume) and the {@link TrainState} as JSON.
 */
final class Checkpoints {

    /** Where the newest checkpoint of a run lives among its artifacts; each upload replaces it. */
    static final String ARTIFACT = "checkpoints/last.zip";

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final String MODEL = "model.zip";
    private static final String STATE = "state.json";

    private Checkpoints() {
    }

    record Loaded(ComputationGraph graph, TrainState state) {
    }

    static void write(Path file, ComputationGraph graph, TrainState state) throws IOException {
        try (OutputStream out = Files.newOutputStream(file); ZipOutputStream zip = new ZipOutputStream(out)) {
            // The model entry is a zip DL4J has already deflated: deflating it again cost a good
            // part of every epoch and saved almost nothing.
            zip.setLevel(Deflater.NO_COMPRESSION);
            zip.putNextEntry(new ZipEntry(STATE));
            zip.write(JSON.writeValueAsBytes(state));
            zip.closeEntry();
            zip.putNextEntry(new ZipEntry(MODEL));
            // Straight into the entry (GraphArchive leaves the stream open), not through a file first.
            GraphArchive.write(graph, zip);
            zip.closeEntry();
        }
    }

    static Loaded read(Path file) throws IOException {
        TrainState state = null;
        ComputationGraph graph = null;
        try (InputStream in = Files.newInputStream(file); ZipInputStream zip = new ZipInputStream(in)) {
            for (ZipEntry entry; (entry = zip.getNextEntry()) != null; ) {
                if (entry.getName().equals(STATE)) {
                    state = JSON.readValue(zip.readAllBytes(), TrainState.class);
                } else if (entry.getName().equals(MODEL)) {
                    // Through GraphArchive, which maps the class names of layers that have moved since.
                    graph = GraphArchive.read(new ByteArrayInputStream(zip.readAllBytes()));
                }
            }
        }
        if (state == null || graph == null) {
            throw new IOException("checkpoint " + file + " lacks " + (state == null ? STATE : MODEL));
        }
        return new Loaded(graph, state);
    }
}
