package dev.segplatform.inference.model;

/**
 * A model a {@link ModelSource} proposes to serve, before it is downloaded.
 *
 * @param key         identifies the exact bytes (run and sha256, or file and modification time): a
 *                    different key means a different model, the same key means nothing to do
 * @param source      how it was found, for people: {@code best-run}, {@code pinned-run}, {@code bundle-file}
 * @param runId       the run that produced it, or null for a bundle file
 * @param experimentId the run's experiment, or null
 * @param rankMetric  the metric that ranked it, or null when not chosen by a metric
 * @param rankValue   its value, or null
 * @param sha256      the bundle file's sha256 as the experiment service recorded it, or null
 * @param registeredModel the registered model it is a version of, when chosen by a model URI; else null
 * @param modelVersion    that registered version, or null
 * @param alias           the alias that named the version, or null (a URI naming a version, or no registry)
 */
public record ModelCandidate(String key, String source, Long runId, Long experimentId, String rankMetric,
                             Double rankValue, String sha256, String registeredModel, Integer modelVersion,
                             String alias) {

    /** A candidate found without the model registry. */
    public ModelCandidate(String key, String source, Long runId, Long experimentId, String rankMetric,
                          Double rankValue, String sha256) {
        this(key, source, runId, experimentId, rankMetric, rankValue, sha256, null, null, null);
    }
}
