package dev.segplatform.experiment.api;

/** Artifact paths with a meaning to the platform, shared by the trainer that writes them and their readers. */
public final class ArtifactPaths {

    /** The trained model bundle; a finished run with this artifact is a candidate for serving. */
    public static final String MODEL_BUNDLE = "model/bundle.zip";

    /** Header that carries a worker's lease token on metric, param and artifact writes. */
    public static final String LEASE_TOKEN_HEADER = "X-Lease-Token";

    private ArtifactPaths() {
    }
}
