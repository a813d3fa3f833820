package dev.segplatform.gateway.access;

import dev.segplatform.gateway.GatewayProperties;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * The known API keys, held only as sha256 digests. A presented key is hashed and compared with
 * every known digest in constant time, so neither the keys nor their timing leak.
 */
@Component
public class ApiKeys {

    private static final Logger log = LoggerFactory.getLogger(ApiKeys.class);

    /** A known key: who it is and what it may do. */
    public record Identity(String name, Role role) {
    }

    private record Entry(byte[] digest, Identity identity) {
    }

    private final List<Entry> entries = new ArrayList<>();

    ApiKeys(GatewayProperties properties) {
        properties.apiKeys().forEach(key -> add(key.name(), key.role(), key.key(), key.sha256()));
        if (properties.apiKeysFile() != null) {
            readFile(properties);
        }
        if (properties.adminKey() != null && !properties.adminKey().isBlank()) {
            add("admin", Role.ADMIN, properties.adminKey(), null);
        }
        if (entries.isEmpty()) {
            String generated = generate();
            add("admin", Role.ADMIN, generated, null);
            // Printed once so the operator can use it; never stored in clear anywhere.
            log.warn("No API keys configured; generated admin key for this run: {}", generated);
        }
    }

    public Optional<Identity> lookup(String presented) {
        byte[] digest = sha256(presented);
        Identity found = null;
        for (Entry entry : entries) {
            // No early exit: every request costs the same whichever key matched.
            if (MessageDigest.isEqual(entry.digest(), digest)) {
                found = entry.identity();
            }
        }
        return Optional.ofNullable(found);
    }

    private void readFile(GatewayProperties properties) {
        try {
            for (String line : Files.readAllLines(properties.apiKeysFile(), StandardCharsets.UTF_8)) {
                String text = line.strip();
                if (text.isEmpty() || text.startsWith("#")) {
                    continue;
                }
                String[] parts = text.split("\\s+");
                if (parts.length != 3) {
                    throw new IllegalArgumentException("API key file " + properties.apiKeysFile()
                            + ": expected 'name role key' or 'name role sha256:<hex>', got a line with "
                            + parts.length + " fields");
                }
                boolean hashed = parts[2].startsWith("sha256:");
                add(parts[0], Role.parse(parts[1]), hashed ? null : parts[2], hashed ? parts[2].substring(7) : null);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read API key file " + properties.apiKeysFile(), e);
        }
    }

    private void add(String name, Role role, String key, String sha256Hex) {
        if (name == null || role == null || (key == null) == (sha256Hex == null)) {
            throw new IllegalArgumentException("API key '" + name + "' needs a name, a role, and either key or sha256");
        }
        byte[] digest = key != null ? sha256(key) : HexFormat.of().parseHex(sha256Hex.toLowerCase());
        entries.add(new Entry(digest, new Identity(name, role)));
    }

    static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String generate() {
        byte[] bytes = new byte[32];
        new SecureRandom().nextBytes(bytes);
        return "sk-" + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
