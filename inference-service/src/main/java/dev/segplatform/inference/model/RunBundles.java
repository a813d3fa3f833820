package dev.segplatform.inference.model;

import dev.segplatform.core.bundle.ModelBundle;
import dev.segplatform.experiment.api.ArtifactPaths;
import dev.segplatform.experiment.client.ExperimentClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Downloads a run's bundle beside the served model: to a file of its own (the client checks the
 * sha256 the experiment service recorded, and the bundle its weights' sha256), loaded, then
 * deleted, since the graph now lives in memory.
 */
final class RunBundles {

    private final ExperimentClient client;
    private final Path dir;

    RunBundles(ExperimentClient client, Path dir) {
        this.client = client;
        this.dir = dir;
    }

    ModelBundle download(ModelCandidate candidate) throws IOException {
        Files.createDirectories(dir);
        Path file = dir.resolve("run-" + candidate.runId() + "-" + System.nanoTime() + ".zip");
        try {
            client.downloadArtifact(candidate.runId(), ArtifactPaths.MODEL_BUNDLE, file);
            return ModelBundle.load(file);
        } finally {
            Files.deleteIfExists(file);
        }
    }
}
