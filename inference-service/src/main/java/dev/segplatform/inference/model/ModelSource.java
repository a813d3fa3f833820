package dev.segplatform.inference.model;

import dev.segplatform.core.bundle.ModelBundle;
import java.io.IOException;
import java.util.stream.Stream;

/**
 * Where the served model comes from: a bundle file, a pinned run, or the best run of the
 * experiment service. The {@link ModelPoller} reads the {@link #candidates()} every poll, best
 * first, and serves the first one it can load.
 */
public interface ModelSource {

    /**
     * What could be served now, best first; empty when there is nothing to serve yet. The stream is
     * read lazily and the poller stops at the first candidate it serves or loads, so a source may
     * defer the cost of the later ones (requests to the experiment service) until they are read.
     * Reading it may throw an unchecked exception when the source cannot be reached.
     */
    Stream<ModelCandidate> candidates() throws IOException;

    /** Fetches the candidate's bundle and verifies it (sha256 of the file and of the weights). */
    ModelBundle load(ModelCandidate candidate) throws IOException;

    /** One line for logs: what this source looks at. */
    String describe();
}
