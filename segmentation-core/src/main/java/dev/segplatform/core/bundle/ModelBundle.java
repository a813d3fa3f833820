package dev.segplatform.core.bundle;

import dev.segplatform.core.model.ModelSpec;
import dev.segplatform.core.model.Networks;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
import org.deeplearning4j.nn.graph.ComputationGraph;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * A trained model as one zip file: {@code descriptor.json} ({@link BundleDescriptor}) and
 * {@code model.zip}, the DL4J {@code ComputationGraph} with its updater state (so training can go
 * on from it). The descriptor records the SHA-256 of {@code model.zip}; {@link #load} recomputes
 * it and refuses a bundle whose weights do not match, or whose format version it does not know.
 */
public final class ModelBundle {

    /** The format this build writes and reads. */
    public static final int FORMAT_VERSION = 1;
    public static final String DESCRIPTOR_ENTRY = "descriptor.json";
    public static final String MODEL_ENTRY = "model.zip";
    /** Inputs are RGB, NCHW, each channel value / 255. */
    public static final String NORMALIZATION = "scale [0,1]";

    private static final JsonMapper JSON = JsonMapper.builder()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();

    private final BundleDescriptor descriptor;
    private final ComputationGraph graph;
    /**
     * The serialised weights the descriptor's SHA-256 describes. Kept rather than serialised again
     * on save: DL4J's model zip stamps entry times, so a second serialisation of the same graph can
     * differ byte for byte.
     */
    private final byte[] weights;

    private ModelBundle(BundleDescriptor descriptor, ComputationGraph graph, byte[] weights) {
        this.descriptor = descriptor;
        this.graph = graph;
        this.weights = weights;
    }

    /**
     * A bundle of a trained graph. The weights are serialised now, so the descriptor's SHA-256
     * describes exactly what {@link #save} writes.
     *
     * @param metrics metrics reached (may be empty)
     * @param trainingRunId the training run, or null
     */
    public static ModelBundle of(ComputationGraph graph, ModelSpec spec, List<String> classNames,
            Map<String, Double> metrics, String trainingRunId) {
        return of(graph, spec, classNames, metrics, trainingRunId, null);
    }

    /**
     * {@link #of(ComputationGraph, ModelSpec, List, Map, String)} recording the epoch the weights
     * are from.
     *
     * @param epoch 1-based epoch, or null
     */
    public static ModelBundle of(ComputationGraph graph, ModelSpec spec, List<String> classNames,
            Map<String, Double> metrics, String trainingRunId, Integer epoch) {
        Objects.requireNonNull(graph, "graph");
        Objects.requireNonNull(spec, "spec");
        if (classNames.size() != spec.numClasses()) {
            throw new IllegalArgumentException(classNames.size() + " class names for a " + spec.numClasses()
                    + "-class model");
        }
        byte[] weights = serialise(graph);
        BundleDescriptor d = new BundleDescriptor(FORMAT_VERSION, spec.architecture().jsonName(), spec,
                spec.inputSize(), classNames, NORMALIZATION, metrics, libraryVersions(), trainingRunId,
                Instant.now().toString(), sha256(weights), epoch);
        return new ModelBundle(d, graph, weights);
    }

    public BundleDescriptor descriptor() {
        return descriptor;
    }

    public ModelSpec spec() {
        return descriptor.spec();
    }

    public ComputationGraph graph() {
        return graph;
    }

    /** Writes the bundle to {@code path} atomically (a temporary file, then a move). */
    public void save(Path path) throws IOException {
        Path dir = path.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, path.getFileName().toString(), ".tmp");
        try {
            try (OutputStream out = Files.newOutputStream(tmp)) {
                write(out);
            }
            Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /**
     * Writes the bundle zip to a stream (e.g. an artifact upload); does not close it. The weights
     * are those of the graph when the bundle was made, even if it trained on since.
     */
    public void write(OutputStream out) throws IOException {
        ZipOutputStream zip = new ZipOutputStream(out);
        zip.putNextEntry(new ZipEntry(DESCRIPTOR_ENTRY));
        zip.write(JSON.writeValueAsBytes(descriptor));
        zip.closeEntry();
        zip.putNextEntry(new ZipEntry(MODEL_ENTRY));
        zip.write(weights);
        zip.closeEntry();
        zip.finish();
    }

    /**
     * Reads and verifies a bundle file.
     *
     * @throws InvalidBundleException if the format version is unknown, the weights' SHA-256 does
     *     not match the descriptor, or an entry is missing or unreadable
     */
    public static ModelBundle load(Path path) throws IOException {
        try (InputStream in = Files.newInputStream(path)) {
            return read(in, path.toString());
        }
    }

    /** As {@link #load}, from a stream; does not close it. */
    public static ModelBundle read(InputStream in, String name) throws IOException {
        byte[] descriptorBytes = null;
        byte[] weights = null;
        ZipInputStream zip = new ZipInputStream(in);
        for (ZipEntry e = zip.getNextEntry(); e != null; e = zip.getNextEntry()) {
            if (e.getName().equals(DESCRIPTOR_ENTRY)) {
                descriptorBytes = zip.readAllBytes();
            } else if (e.getName().equals(MODEL_ENTRY)) {
                weights = zip.readAllBytes();
            }
        }
        if (descriptorBytes == null || weights == null) {
            throw new InvalidBundleException(name + " is not a model bundle: it needs " + DESCRIPTOR_ENTRY + " and "
                    + MODEL_ENTRY);
        }
        BundleDescriptor d;
        try {
            d = JSON.readValue(descriptorBytes, BundleDescriptor.class);
        } catch (JacksonException | IllegalArgumentException e) {
            throw new InvalidBundleException(name + ": unreadable " + DESCRIPTOR_ENTRY + ": " + e.getMessage(), e);
        }
        if (d.formatVersion() != FORMAT_VERSION) {
            throw new InvalidBundleException(name + " has bundle format version " + d.formatVersion()
                    + "; this build reads version " + FORMAT_VERSION);
        }
        if (d.spec() == null) {
            throw new InvalidBundleException(name + ": " + DESCRIPTOR_ENTRY + " has no spec");
        }
        String actual = sha256(weights);
        if (!actual.equalsIgnoreCase(String.valueOf(d.weightsSha256()))) {
            throw new InvalidBundleException(name + ": " + MODEL_ENTRY + " has SHA-256 " + actual
                    + " but the descriptor says " + d.weightsSha256() + "; the file is corrupt or was altered");
        }
        ComputationGraph graph = GraphArchive.read(new ByteArrayInputStream(weights));
        int outputs = graph.getConfiguration().getNetworkOutputs().size();
        if (outputs != Networks.labelDownsample(d.spec()).length) {
            throw new InvalidBundleException(name + ": the graph has " + outputs + " outputs, not what a "
                    + d.architecture() + " has");
        }
        return new ModelBundle(d, graph, weights);
    }

    private static byte[] serialise(ComputationGraph graph) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try {
            GraphArchive.write(graph, bytes);
        } catch (IOException e) {
            throw new IllegalStateException("could not serialise the graph", e);
        }
        return bytes.toByteArray();
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
    }

    /** Versions from the jars' Maven metadata, so a bundle says which DL4J wrote it. */
    static Map<String, String> libraryVersions() {
        Map<String, String> v = new LinkedHashMap<>();
        v.put("deeplearning4j", mavenVersion("org.deeplearning4j", "deeplearning4j-nn"));
        v.put("nd4j", mavenVersion("org.nd4j", "nd4j-api"));
        v.put("java", System.getProperty("java.version"));
        return v;
    }

    private static String mavenVersion(String group, String artifact) {
        String resource = "/META-INF/maven/" + group + "/" + artifact + "/pom.properties";
        try (InputStream in = ModelBundle.class.getResourceAsStream(resource)) {
            if (in != null) {
                Properties p = new Properties();
                p.load(in);
                return p.getProperty("version", "unknown");
            }
        } catch (IOException e) {
            // Fall through: the version is informative only.
        }
        return "unknown";
    }
}
