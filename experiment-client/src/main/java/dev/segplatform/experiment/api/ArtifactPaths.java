package dev.segplatform.experiment.api;

/** Artifact paths with a meaning to the platform, shared by the trainer that writes them and their readers. */
public final class ArtifactPaths {

    /** The trained model bundle; a finished run with this artifact is a candidate for serving. */
    public static final String MODEL_BUNDLE = "model/bundle.zip";

    /**
     * Where a trainer puts its sample validation images: {@code samples/<image name>/} holds
     * {@link #SAMPLE_INPUT}, {@link #SAMPLE_TRUTH} and {@link #SAMPLE_MASK}, all at model input size.
     */
    public static final String SAMPLES_DIR = "samples/";

    /** The network's input image, 8-bit RGB PNG. */
    public static final String SAMPLE_INPUT = "input.png";

    /** The ground-truth class mask: a palette PNG whose pixel values are class indices. */
    public static final String SAMPLE_TRUTH = "truth.png";

    /** The predicted class mask, in the same palette as the truth. */
    public static final String SAMPLE_MASK = "mask.png";

    /** Header that carries a worker's lease token on metric, param and artifact writes. */
    public static final String LEASE_TOKEN_HEADER = "X-Lease-Token";

    private ArtifactPaths() {
    }
}
