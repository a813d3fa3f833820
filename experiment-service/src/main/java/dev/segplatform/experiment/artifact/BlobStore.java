package dev.segplatform.experiment.artifact;

import dev.segplatform.experiment.config.ExperimentProperties;
import dev.segplatform.experiment.problem.PayloadTooLargeException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.UUID;
import org.springframework.stereotype.Component;

/**
 * Artifact bytes on disk, addressed by their sha256. An upload streams into a temporary file while
 * it is hashed and counted; only a complete upload is moved (atomically) to its final name, so a
 * reader can never see a partial file. Equal files are stored once.
 */
@Component
class BlobStore {

    private static final int BUFFER = 64 * 1024;

    private final Path blobs;
    private final Path incoming;
    private final ExperimentProperties properties;

    BlobStore(ExperimentProperties properties) throws IOException {
        this.properties = properties;
        this.blobs = Files.createDirectories(properties.artifactDir().resolve("blobs"));
        this.incoming = Files.createDirectories(properties.artifactDir().resolve("incoming"));
    }

    record Blob(String sha256, long size) {
    }

    /** Streams {@code in} to the store; refuses (and forgets) anything over the size limit. */
    Blob write(InputStream in) {
        long limit = properties.maxArtifactSize().toBytes();
        Path temp = incoming.resolve(UUID.randomUUID() + ".part");
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            long size = 0;
            try (OutputStream out = Files.newOutputStream(temp)) {
                byte[] buffer = new byte[BUFFER];
                int n;
                while ((n = in.read(buffer)) != -1) {
                    size += n;
                    if (size > limit) {
                        throw new PayloadTooLargeException(properties.maxArtifactSize());
                    }
                    digest.update(buffer, 0, n);
                    out.write(buffer, 0, n);
                }
            }
            String sha256 = HexFormat.of().formatHex(digest.digest());
            Path target = path(sha256);
            Files.createDirectories(target.getParent());
            try {
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (FileAlreadyExistsException sameContent) {
                Files.deleteIfExists(temp);
            }
            return new Blob(sha256, size);
        } catch (IOException e) {
            throw new UncheckedIOException("could not store the upload", e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        } finally {
            deleteQuietly(temp);
        }
    }

    Path path(String sha256) {
        return blobs.resolve(sha256.substring(0, 2)).resolve(sha256);
    }

    private static void deleteQuietly(Path temp) {
        try {
            Files.deleteIfExists(temp);
        } catch (IOException ignored) {
            // A leftover .part file is invisible to readers; nothing refers to it.
        }
    }
}
