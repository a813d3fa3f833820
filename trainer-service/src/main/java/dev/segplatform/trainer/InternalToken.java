package dev.segplatform.trainer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The internal token shared with the experiment service: the configured one, else the content of the
 * token file, read when first needed (the experiment service may create it after this trainer starts)
 * and kept once found.
 */
public final class InternalToken {

    private static final Logger log = LoggerFactory.getLogger(InternalToken.class);

    private final Path file;
    private volatile String token;
    private volatile boolean warned;

    InternalToken(String configured, Path file) {
        this.token = configured;
        this.file = file;
    }

    /** The token, or null while none is configured and the file does not exist yet. */
    public String get() {
        String known = token;
        if (known != null) {
            return known;
        }
        try {
            if (Files.isReadable(file)) {
                String read = Files.readString(file, StandardCharsets.UTF_8).strip();
                if (!read.isEmpty()) {
                    log.info("Using the internal token from {}", file.toAbsolutePath());
                    token = read;
                    return read;
                }
            }
        } catch (IOException e) {
            log.debug("Cannot read {}", file, e);
        }
        if (!warned) {
            warned = true;
            log.warn("No internal token: set TRAINER_INTERNAL_TOKEN (trainer.internal-token) or "
                    + "trainer.internal-token-file; {} does not exist yet. The experiment service refuses "
                    + "job claims without it.", file.toAbsolutePath());
        }
        return null;
    }

    /** Constant-time comparison (of hashes, so lengths do not show either); false while no token is known. */
    public boolean matches(String presented) {
        String known = get();
        return known != null && presented != null
                && MessageDigest.isEqual(sha256(known), sha256(presented.strip()));
    }

    private static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
