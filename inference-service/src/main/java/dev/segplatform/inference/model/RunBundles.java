package dev.segplatform.inference.model;

import dev.segplatform.core.bundle.ModelBundle;
import dev.segplatform.experiment.api.ArtifactPaths;
import dev.segplatform.experiment.client.ExperimentClient;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

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
            // The client checked the file against the service's record at download time; this checks
            // it is also the bundle the candidate named, since the key (run and sha256) is what a
            // failure is remembered by.
            if (candidate.sha256() != null) {
                String actual = sha256(file);
                if (!candidate.sha256().equals(actual)) {
                    throw new IOException("run " + candidate.runId() + ": the downloaded bundle has sha256 " + actual
                            + ", not the " + candidate.sha256() + " it was listed with");
                }
            }
            return ModelBundle.load(file);
        } finally {
            Files.deleteIfExists(file);
        }
    }

    private static String sha256(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            byte[] buffer = new byte[64 * 1024];
            for (int n; (n = in.read(buffer)) != -1; ) {
                digest.update(buffer, 0, n);
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
    }
}
