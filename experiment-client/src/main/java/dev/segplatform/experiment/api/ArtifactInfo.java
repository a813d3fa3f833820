package dev.segplatform.experiment.api;

import java.time.Instant;

/** A complete artifact of a run; {@code path} is relative to the run. */
public record ArtifactInfo(String path, long size, String sha256, String contentType, Instant createdAt) {
}
