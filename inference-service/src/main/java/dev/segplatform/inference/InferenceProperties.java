package dev.segplatform.inference;

import java.net.URI;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Inference settings.
 *
 * @param experimentUrl base URL of the experiment service that names the best model
 * @param metric        metric that ranks finished runs
 * @param mode          {@code max} or {@code min}
 * @param pollInterval  how often to look for a better model
 */
@ConfigurationProperties("inference")
public record InferenceProperties(
        @DefaultValue("http://localhost:8081") URI experimentUrl,
        @DefaultValue("val_mean_iou") String metric,
        @DefaultValue("max") String mode,
        @DefaultValue("30s") Duration pollInterval) {
}
