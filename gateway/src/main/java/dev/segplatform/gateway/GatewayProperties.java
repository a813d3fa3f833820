package dev.segplatform.gateway;

import dev.segplatform.gateway.access.Role;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * Gateway settings.
 *
 * @param experimentUrl  base URL of the experiment service
 * @param inferenceUrl   base URL of the inference service
 * @param adminKey       the admin API key; when no key of any kind is configured, one is generated
 *                       at start-up and printed once
 * @param apiKeys        keys from configuration: each a name, a role, and the key or its sha256
 * @param apiKeysFile    keys from a mounted secret: lines {@code name role key} or
 *                       {@code name role sha256:<hex>}; {@code #} starts a comment
 * @param segmentRate    per-key token bucket for segmentation requests
 * @param maxRequestSize larger request bodies are refused with 413: the tracking API's JSON, and
 *                       anything not named below
 * @param maxSegmentRequestSize the same for segmentation ({@code /api/segment}, {@code /v2}): images
 *                       and KServe tensors; the inference service applies its own, finer limits
 * @param maxArtifactSize the same for artifact uploads ({@code PUT /api/runs/{id}/artifacts/...}),
 *                       which stream through to the experiment service without being held here
 * @param connectTimeout time to connect to a backend before answering 502
 * @param readTimeout    time to wait for a backend's answer before answering 504
 */
@ConfigurationProperties("gateway")
public record GatewayProperties(
        @DefaultValue("http://localhost:8081") URI experimentUrl,
        @DefaultValue("http://localhost:8083") URI inferenceUrl,
        String adminKey,
        @DefaultValue List<ApiKey> apiKeys,
        Path apiKeysFile,
        @DefaultValue RateLimit segmentRate,
        @DefaultValue("2MB") DataSize maxRequestSize,
        @DefaultValue("100MB") DataSize maxSegmentRequestSize,
        @DefaultValue("2GB") DataSize maxArtifactSize,
        @DefaultValue("2s") Duration connectTimeout,
        @DefaultValue("60s") Duration readTimeout) {

    /** One configured key; give either {@code key} or {@code sha256}. */
    public record ApiKey(String name, Role role, String key, String sha256) {
    }

    /**
     * A token bucket: {@code burst} requests at once, refilled at {@code perSecond}.
     */
    public record RateLimit(@DefaultValue("20") double perSecond, @DefaultValue("40") int burst) {
    }
}
