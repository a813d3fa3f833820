package dev.segplatform.experiment.internal;

import dev.segplatform.experiment.config.ExperimentProperties;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * The internal token the job protocol requires: {@code experiment.internal-token} when set, else the
 * one in {@code <data-dir>/internal-token}, generated (owner-only, mode 600) at the first start so that
 * the service is never open by default and a restart keeps the trainers' token valid.
 */
@Component
public class InternalToken {

    private static final Logger log = LoggerFactory.getLogger(InternalToken.class);

    private final byte[] digest;

    InternalToken(ExperimentProperties properties) {
        String token = properties.internalToken() != null ? properties.internalToken()
                : fromFile(properties.internalTokenFile());
        this.digest = sha256(token);
    }

    /**
     * Whether {@code presented} is the token. Both sides are hashed first, so the comparison takes the
     * same time whatever the lengths, and {@link MessageDigest#isEqual} does not stop at the first
     * differing byte: the time of an answer tells nothing about the token.
     */
    public boolean matches(String presented) {
        return presented != null && MessageDigest.isEqual(digest, sha256(presented));
    }

    private static String fromFile(Path file) {
        try {
            if (!Files.exists(file)) {
                generate(file);
            }
            String token = Files.readString(file, StandardCharsets.UTF_8).strip();
            if (token.isEmpty()) {
                throw new IllegalStateException(file.toAbsolutePath() + " is empty; delete it to have a new "
                        + "internal token generated, or set experiment.internal-token");
            }
            log.info("Job protocol requires the internal token in {} (give it to trainers as "
                    + "TRAINER_INTERNAL_TOKEN or trainer.internal-token-file)", file.toAbsolutePath());
            return token;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read or create the internal token file " + file.toAbsolutePath(), e);
        }
    }

    private static void generate(Path file) throws IOException {
        byte[] random = new byte[32];
        new SecureRandom().nextBytes(random);
        String token = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
        Files.createDirectories(file.toAbsolutePath().getParent());
        try {
            // Created owner-only from the start, so the secret is never readable by others, not even briefly.
            Path created = file.getFileSystem().supportedFileAttributeViews().contains("posix")
                    ? Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")))
                    : Files.createFile(file);
            Files.writeString(created, token + "\n", StandardCharsets.UTF_8);
            log.info("Generated an internal token into {}", file.toAbsolutePath());
        } catch (FileAlreadyExistsException raced) {
            // Another process sharing the data directory made it first; use theirs.
        }
    }

    private static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
