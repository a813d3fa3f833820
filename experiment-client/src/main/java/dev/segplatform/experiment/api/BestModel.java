package dev.segplatform.experiment.api;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/**
 * The experiment service's answer to "which model should be served": the succeeded run with the
 * best value of a metric that has a {@link ArtifactPaths#MODEL_BUNDLE}. The full run the service
 * also sends is ignored here; fetch it with {@code run(runId)} when needed.
 *
 * @param value       the metric value that ranked the run
 * @param artifact    the bundle artifact, with its size and sha256
 * @param artifactUrl the bundle's path on the experiment service
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record BestModel(long runId, long experimentId, String metric, String mode, double value,
                        ArtifactInfo artifact, String artifactUrl) {
}
