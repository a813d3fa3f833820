package dev.segplatform.inference.model;

import dev.segplatform.core.bundle.ModelBundle;
import java.io.IOException;
import java.util.Optional;

/**
 * Where the served model comes from: a bundle file, a pinned run, or the best run of the
 * experiment service. The {@link ModelPoller} asks for the {@link #candidate()} every poll and
 * loads it only when its key changed.
 */
public interface ModelSource {

    /** What should be served now; empty when there is nothing to serve yet. */
    Optional<ModelCandidate> candidate() throws IOException;

    /** Fetches the candidate's bundle and verifies it (sha256 of the file and of the weights). */
    ModelBundle load(ModelCandidate candidate) throws IOException;

    /** One line for logs: what this source looks at. */
    String describe();
}
