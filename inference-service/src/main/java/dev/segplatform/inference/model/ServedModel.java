package dev.segplatform.inference.model;

import dev.segplatform.core.bundle.BundleDescriptor;
import dev.segplatform.core.bundle.ModelBundle;
import dev.segplatform.core.bundle.Predictor;
import dev.segplatform.core.predict.ImagePreprocessor;
import dev.segplatform.core.predict.MaskEncoder;
import dev.segplatform.inference.batching.BatchModel;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A loaded model as requests see it: the bundle, its own pre- and post-processing, and a version
 * number that grows with every load. A request takes one {@code ServedModel} at its start and uses
 * it to the end, so a swap in between never mixes two models in one answer.
 */
public final class ServedModel implements BatchModel {

    private final long version;
    private final ModelBundle bundle;
    private final ModelCandidate candidate;
    private final Instant loadedAt;
    /** One copy of the graph per batch worker (inference.instances). */
    private final List<Predictor> predictors;
    private final ImagePreprocessor preprocessor;
    private final MaskEncoder encoder;
    /** Set by the load's warm-up, before the model is installed, and again if it was timed beside traffic; null when not profiled. */
    private volatile Timing timing;

    /** A profile and whether it was timed with no request in the service (one reference, so both change together). */
    private record Timing(BatchProfile profile, boolean quiet) {
    }

    ServedModel(long version, ModelBundle bundle, ModelCandidate candidate, Instant loadedAt, long maxPixels,
            int instances) {
        this.version = version;
        this.bundle = bundle;
        this.candidate = candidate;
        this.loadedAt = loadedAt;
        Predictor first = new Predictor(bundle);
        List<Predictor> copies = new ArrayList<>(instances);
        copies.add(first);
        while (copies.size() < instances) {
            copies.add(first.copy());
        }
        this.predictors = List.copyOf(copies);
        this.preprocessor = new ImagePreprocessor(bundle.spec().inputSize(), maxPixels);
        this.encoder = new MaskEncoder(classNames(), palette(classNames().size()), 0.5);
    }

    /** The classes' colours: the Pet palette, then evenly spread hues for models with more classes. */
    static int[] palette(int classes) {
        int[] palette = new int[Math.max(classes, MaskEncoder.DEFAULT_PALETTE.length)];
        System.arraycopy(MaskEncoder.DEFAULT_PALETTE, 0, palette, 0, MaskEncoder.DEFAULT_PALETTE.length);
        for (int c = MaskEncoder.DEFAULT_PALETTE.length; c < palette.length; c++) {
            palette[c] = java.awt.Color.HSBtoRGB((c * 0.618034f) % 1f, 0.8f, 0.9f) & 0xFFFFFF;
        }
        return palette;
    }

    /** Class probabilities {@code [B, C, S, S]} from copy {@code instance}; called by that batch worker only. */
    @Override
    public INDArray forward(int instance, INDArray batch) {
        return predictors.get(instance).probabilities(batch);
    }

    /** The batch size past which this model gains under {@link BatchProfile#TOLERANCE} images/s; unlimited when not profiled. */
    @Override
    public int batchLimit() {
        Timing t = timing;
        return t == null ? Integer.MAX_VALUE : t.profile().limit();
    }

    /** The latest timing of the batch sizes, if one was made. */
    public Optional<BatchProfile> batchProfile() {
        Timing t = timing;
        return t == null ? Optional.empty() : Optional.of(t.profile());
    }

    /** Whether the batch sizes were timed with no request in the service; false also when not timed. */
    public boolean profileQuiet() {
        Timing t = timing;
        return t != null && t.quiet();
    }

    void profiled(BatchProfile profile, boolean quiet) {
        this.timing = new Timing(profile, quiet);
    }

    /** How many copies of the graph this model holds, one per batch worker. */
    public int instances() {
        return predictors.size();
    }

    public long version() {
        return version;
    }

    public BundleDescriptor descriptor() {
        return bundle.descriptor();
    }

    public ModelCandidate candidate() {
        return candidate;
    }

    public Instant loadedAt() {
        return loadedAt;
    }

    /** The training run: the experiment service's run id, or the bundle's own record of it. */
    public String runId() {
        return candidate.runId() != null ? candidate.runId().toString() : bundle.descriptor().trainingRunId();
    }

    public String architecture() {
        return bundle.descriptor().architecture();
    }

    public int inputSize() {
        return bundle.spec().inputSize();
    }

    public List<String> classNames() {
        return bundle.descriptor().classes();
    }

    public ImagePreprocessor preprocessor() {
        return preprocessor;
    }

    public MaskEncoder encoder() {
        return encoder;
    }
}
