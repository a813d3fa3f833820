package dev.segplatform.core.bundle;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;

/**
 * DL4J's own model zip ({@code configuration.json}, coefficients, updater state), the part of a
 * bundle and of a training checkpoint that holds the graph. Every read goes through here so that
 * graphs saved before a custom layer or loss moved still load.
 *
 * <p>Why a rewrite of the JSON: DL4J names each custom layer and loss in {@code configuration.json}
 * by its full class name ({@code "@class"}) and resolves it with {@code Class.forName}. Its own
 * legacy hook ({@code NeuralNetConfiguration.registerLegacyCustomClassesForJSON}) serves only the
 * pre-1.0.0-alpha format that named layers by a wrapper key, not moved classes; so the old names
 * are replaced by the new ones in the configuration before DL4J parses it.
 */
public final class GraphArchive {

    /** DL4J's entry that holds the network configuration. */
    static final String CONFIGURATION_ENTRY = "configuration.json";

    private static final String OLD = "dev.segplatform.core.model.";

    /**
     * Classes that moved, by the name bundles and checkpoints written before the move hold. Add a
     * line whenever a class that DL4J serialises (a layer configuration, a loss) moves or is
     * renamed; never remove one while such files may exist.
     */
    static final Map<String, String> RENAMED = Map.ofEntries(
            moved("FastConvolution", "layer"),
            moved("FusedBatchNorm", "layer"),
            moved("PixelShuffleUp", "layer"),
            moved("PixelSoftmaxLoss", "layer"),
            moved("PixelMeanLoss", "layer"),
            moved("SeparableResampleLayer", "layer"),
            moved("AdaptiveAvgPool2D", "layer"),
            moved("BilinearResize2D", "layer"),
            moved("PhaseShuffle", "layer.legacy"));

    private static final Pattern CLASS_PROPERTY = Pattern.compile("(\"@class\"\\s*:\\s*\")([^\"]+)(\")");

    private GraphArchive() {
    }

    private static Map.Entry<String, String> moved(String simpleName, String newPackage) {
        return Map.entry(OLD + simpleName, OLD + newPackage + "." + simpleName);
    }

    /** Writes {@code graph} with its updater state in DL4J's format; does not close the stream. */
    public static void write(ComputationGraph graph, OutputStream out) throws IOException {
        // ModelSerializer closes the stream it is given when it finishes its zip.
        OutputStream unclosed = new FilterOutputStream(out) {
            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                out.write(b, off, len);
            }

            @Override
            public void close() throws IOException {
                flush();
            }
        };
        ModelSerializer.writeModel(graph, unclosed, true);
    }

    /** Reads a graph, with its updater state, that {@link #write} or an earlier build wrote. */
    public static ComputationGraph read(InputStream in) throws IOException {
        return ModelSerializer.restoreComputationGraph(new ByteArrayInputStream(withCurrentClassNames(in.readAllBytes())),
                true);
    }

    /**
     * The model zip with every moved class name in its configuration replaced and the other
     * entries as they are; the same bytes when nothing in it has moved (everything written since).
     */
    static byte[] withCurrentClassNames(byte[] modelZip) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(modelZip.length + 1024);
        boolean changed = false;
        try (ZipInputStream zin = new ZipInputStream(new ByteArrayInputStream(modelZip));
                ZipOutputStream zout = new ZipOutputStream(bytes)) {
            for (ZipEntry e = zin.getNextEntry(); e != null; e = zin.getNextEntry()) {
                byte[] content = zin.readAllBytes();
                if (e.getName().equals(CONFIGURATION_ENTRY)) {
                    String json = new String(content, StandardCharsets.UTF_8);
                    String current = renamed(json);
                    if (!current.equals(json)) {
                        changed = true;
                        content = current.getBytes(StandardCharsets.UTF_8);
                    }
                }
                zout.putNextEntry(new ZipEntry(e.getName()));
                zout.write(content);
                zout.closeEntry();
            }
        }
        return changed ? bytes.toByteArray() : modelZip;
    }

    /** The configuration JSON with each {@code "@class"} value in {@link #RENAMED} replaced. */
    static String renamed(String json) {
        Matcher m = CLASS_PROPERTY.matcher(json);
        StringBuilder out = new StringBuilder(json.length());
        while (m.find()) {
            String current = RENAMED.getOrDefault(m.group(2), m.group(2));
            m.appendReplacement(out, Matcher.quoteReplacement(m.group(1) + current + m.group(3)));
        }
        m.appendTail(out);
        return out.toString();
    }
}
