package dev.segplatform.core.bundle;

import dev.segplatform.core.model.ModelSpec;
import dev.segplatform.core.model.Networks;
import dev.segplatform.core.model.serving.InferenceGraph;
import dev.segplatform.core.predict.ClassMask;
import dev.segplatform.core.predict.ImagePreprocessor;
import dev.segplatform.core.predict.MaskPostprocessor;
import dev.segplatform.core.predict.PreparedImage;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Image bytes in, class mask at the image's own size out, for a loaded {@link ModelBundle}:
 * {@link ImagePreprocessor} (decode, resize to the model's input, scale to [0, 1]), the graph (folded
 * for inference by {@link InferenceGraph}), the
 * full-resolution probabilities ({@link Networks#fullResolution}, which upsamples ICNet's 1/4
 * output), and {@link MaskPostprocessor} (argmax, nearest-neighbour resize back).
 *
 * <p>Calls are serialised on the graph (DL4J graphs are not meant for concurrent forward passes);
 * use the batch variant, or one predictor per thread, for throughput.
 */
public final class Predictor {

    private final ModelSpec spec;
    private final ComputationGraph graph;
    private final ImagePreprocessor preprocessor;

    public Predictor(ModelBundle bundle) {
        // Served with its batch norms folded into the convolutions, which is faster (InferenceGraph).
        this(bundle.spec(), InferenceGraph.fold(bundle.graph()));
    }

    private Predictor(ModelSpec spec, ComputationGraph graph) {
        this.spec = spec;
        this.graph = graph;
        this.preprocessor = new ImagePreprocessor(spec.inputSize());
    }

    /** A predictor over a copy of this one's graph, for a thread of its own: passes on the two run side by side. */
    public Predictor copy() {
        return new Predictor(spec, graph.clone());
    }

    public ModelSpec spec() {
        return spec;
    }

    /** The class mask of one encoded image (PNG, JPEG, ...), at the image's width and height. */
    public ClassMask predict(byte[] image) throws IOException {
        return predictBatch(List.of(image)).get(0);
    }

    /** Class masks of several images in one forward pass, each at its own size, in order. */
    public List<ClassMask> predictBatch(List<byte[]> images) throws IOException {
        if (images.isEmpty()) {
            return List.of();
        }
        List<INDArray> inputs = new ArrayList<>(images.size());
        List<int[]> sizes = new ArrayList<>(images.size());
        for (byte[] bytes : images) {
            PreparedImage p = preprocessor.prepare(bytes);
            inputs.add(p.input());
            sizes.add(new int[] {p.originalWidth(), p.originalHeight()});
        }
        INDArray batch = inputs.size() == 1 ? inputs.get(0) : Nd4j.concat(0, inputs.toArray(INDArray[]::new));
        return MaskPostprocessor.toMasks(probabilities(batch), sizes);
    }

    /** Class probabilities {@code [B, C, S, S]} for preprocessed inputs {@code [B, 3, S, S]}. */
    public synchronized INDArray probabilities(INDArray inputs) {
        INDArray[] outputs = graph.output(false, inputs);
        INDArray probabilities = Networks.fullResolution(spec, outputs);
        // The outputs not returned (ICNet's) are freed now rather than at some later garbage
        // collection: ND4J's native buffers are reused at once then, while a fresh large one costs
        // page faults.
        for (INDArray o : outputs) {
            if (o != probabilities) {
                o.close();
            }
        }
        return probabilities;
    }
}
