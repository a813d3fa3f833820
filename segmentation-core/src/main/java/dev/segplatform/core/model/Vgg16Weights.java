package dev.segplatform.core.model;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.net.URL;
import java.net.URLConnection;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.Adler32;
import java.util.zip.CheckedInputStream;
import org.deeplearning4j.common.resources.DL4JResources;
import org.deeplearning4j.common.resources.ResourceType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.misc.FrozenLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.GraphVertex;
import org.deeplearning4j.util.ModelSerializer;
import org.deeplearning4j.zoo.PretrainedType;
import org.deeplearning4j.zoo.ZooModel;
import org.deeplearning4j.zoo.model.VGG16;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Where a VGG16 encoder's weights come from, and copying them into a U-Net.
 *
 * <p>{@code encoderWeights} is {@value ModelLimits#ENCODER_WEIGHTS_IMAGENET} or a path. For
 * ImageNet the zoo's file is looked for, in order: (1) in the zoo's cache folder, where DL4J keeps
 * what it downloaded ({@link #imagenetCacheFile()}: {@code ~/.deeplearning4j/models/vgg16/vgg16_dl4j_inference.zip},
 * the base folder moved by the system property {@code org.deeplearning4j.resources.directory}), read
 * as it is; (2) downloaded into that folder from the address DL4J's zoo downloads it from
 * ({@code ZooModel.pretrainedUrl(IMAGENET)}), its checksum checked as the zoo checks it, but with
 * timeouts (see {@link #download}). A machine without network gets the file copied into
 * the cache folder, or names its own copy by path.
 *
 * <p>The file is any graph in the zoo's format (written by {@code ModelSerializer}): its thirteen
 * 3x3 convolutions, in topological order, are taken by position and checked against VGG16's shapes,
 * not by name, because the zoo's ImageNet file names its layers as Keras did ({@code block1_conv1})
 * while the zoo's own configuration numbers them ({@code 0}, {@code 1}, ...). Nothing else of it is
 * used (the classifier layers are dropped).
 */
public final class Vgg16Weights {

    private Vgg16Weights() {
    }

    /**
     * DL4J's own download ({@code ZooModel.initPretrained}) waits without limit for a connection and
     * for each read, so a trainer on a network that drops packets would hang its run; these bound
     * both, generously for a file of hundreds of megabytes from a distant server.
     */
    private static final int CONNECT_TIMEOUT_MS = 30_000;
    private static final int READ_TIMEOUT_MS = 60_000;

    /**
     * Downloads {@code url} to {@code target} as DL4J's zoo would (same address, same Adler-32
     * checksum, 0 meaning unchecked), but with timeouts, and into a temporary file moved into place
     * only once complete and checked, so that a failed download never leaves a partial file where
     * the next run would read it as the weights.
     */
    static void download(URL url, long checksum, Path target, int connectTimeoutMs, int readTimeoutMs)
            throws IOException {
        Files.createDirectories(target.getParent());
        Path part = Files.createTempFile(target.getParent(), target.getFileName().toString(), ".part");
        try {
            URLConnection connection = url.openConnection();
            connection.setConnectTimeout(connectTimeoutMs);
            connection.setReadTimeout(readTimeoutMs);
            Adler32 adler = new Adler32();
            try (InputStream in = new CheckedInputStream(connection.getInputStream(), adler)) {
                Files.copy(in, part, StandardCopyOption.REPLACE_EXISTING);
            }
            if (checksum != 0 && adler.getValue() != checksum) {
                throw new IOException("checksum " + adler.getValue() + " of the download, expected " + checksum);
            }
            Files.move(part, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(part);
        }
    }

    /** Where DL4J's zoo keeps the ImageNet VGG16 file once downloaded. */
    public static Path imagenetCacheFile() {
        String url = VGG16.builder().build().pretrainedUrl(PretrainedType.IMAGENET);
        File folder = new File(DL4JResources.getBaseDirectory(), ResourceType.ZOO_MODEL.resourceName() + File.separator
                + "vgg16");
        return folder.toPath().resolve(new File(url).getName());
    }

    /** The graph holding the weights {@code encoderWeights} names; see the class comment for the order. */
    static ComputationGraph source(String encoderWeights) {
        try {
            if (ModelLimits.ENCODER_WEIGHTS_IMAGENET.equals(encoderWeights)) {
                Path cached = imagenetCacheFile();
                if (Files.isRegularFile(cached)) {
                    return ModelSerializer.restoreComputationGraph(cached.toFile(), false);
                }
                ZooModel zoo = VGG16.builder().build();
                try {
                    download(new URL(zoo.pretrainedUrl(PretrainedType.IMAGENET)), zoo.pretrainedChecksum(PretrainedType.IMAGENET),
                            cached, CONNECT_TIMEOUT_MS, READ_TIMEOUT_MS);
                } catch (IOException | RuntimeException e) {
                    throw new IllegalStateException("encoderWeights imagenet: " + cached + " is missing and could not"
                            + " be downloaded (" + e + "); copy the zoo's vgg16_dl4j_inference.zip there, or"
                            + " give its path as encoderWeights", e);
                }
                return ModelSerializer.restoreComputationGraph(cached.toFile(), false);
            }
            Path file = Path.of(encoderWeights);
            if (!Files.isRegularFile(file)) {
                throw new IllegalArgumentException("encoderWeights: no such file " + file);
            }
            return ModelSerializer.restoreComputationGraph(file.toFile(), false);
        } catch (IOException e) {
            throw new UncheckedIOException("encoderWeights: cannot read " + encoderWeights, e);
        }
    }

    /**
     * Copies VGG16's convolution weights and biases from {@code source} into the U-Net's encoder.
     *
     * @throws IllegalArgumentException if {@code source} does not hold VGG16's thirteen convolutions
     */
    static void copy(ComputationGraph source, ComputationGraph unet) {
        List<String> sourceConvs = new ArrayList<>();
        // The graph's own order: files written by older DL4J versions do not store it by name.
        for (int index : source.topologicalSortOrder()) {
            GraphVertex v = source.getVertices()[index];
            if (v.hasLayer() && unwrap(v.getLayer().conf().getLayer()) instanceof ConvolutionLayer c
                    && Arrays.equals(c.getKernelSize(), new int[] {3, 3})) {
                sourceConvs.add(v.getVertexName());
            }
        }
        String[] targets = Vgg16Blocks.convolutions();
        if (sourceConvs.size() != targets.length) {
            throw new IllegalArgumentException("encoderWeights: expected VGG16's " + targets.length
                    + " 3x3 convolutions, found " + sourceConvs.size());
        }
        for (int i = 0; i < targets.length; i++) {
            INDArray w = source.getLayer(sourceConvs.get(i)).getParam("W");
            INDArray b = source.getLayer(sourceConvs.get(i)).getParam("b");
            INDArray tw = unet.paramTable().get(targets[i] + "_W");
            INDArray tb = unet.paramTable().get(targets[i] + "_b");
            if (!Arrays.equals(w.shape(), tw.shape()) || b == null || b.length() != tb.length()) {
                throw new IllegalArgumentException("encoderWeights: convolution " + (i + 1) + " (" + sourceConvs.get(i)
                        + ") has weights " + Arrays.toString(w.shape()) + ", VGG16's are " + Arrays.toString(tw.shape()));
            }
            tw.assign(w);
            tb.assign(b.reshape(tb.shape()));
        }
    }

    private static Layer unwrap(Layer layer) {
        return layer instanceof FrozenLayer f ? f.getLayer() : layer;
    }
}
