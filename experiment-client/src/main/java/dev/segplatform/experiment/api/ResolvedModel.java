package dev.segplatform.experiment.api;

/**
 * The registered model version a model URI ({@code models:/pets@production}, {@code models:/pets/3})
 * names now, and where its bundle is.
 *
 * @param alias       the alias the URI named, or null when it named a version
 * @param artifactUrl path of the run's model bundle on the experiment service
 */
public record ResolvedModel(String name, int version, String alias, long runId, long experimentId, String source,
                            String artifactUrl) {
}
