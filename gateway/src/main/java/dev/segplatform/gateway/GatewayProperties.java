package dev.segplatform.gateway;

import java.net.URI;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Gateway settings: where the backends live.
 *
 * @param experimentUrl base URL of the experiment service
 * @param inferenceUrl  base URL of the inference service
 */
@ConfigurationProperties("gateway")
public record GatewayProperties(
        @DefaultValue("http://localhost:8081") URI experimentUrl,
        @DefaultValue("http://localhost:8083") URI inferenceUrl) {
}
