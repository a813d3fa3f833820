package dev.segplatform.inference.model;

import dev.segplatform.core.bundle.ModelBundle;
import dev.segplatform.experiment.api.BestModel;
import dev.segplatform.experiment.client.ExperimentClient;
import java.io.IOException;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * The succeeded runs with a bundle, ranked by a metric, in one experiment or all: first the best as
 * the experiment service names it ({@code GET /api/models/best}, one request, all a poll needs
 * while that bundle is good), then, only if the poller reads on because the best cannot be loaded,
 * the runs after it from the run search ({@link RankedRuns}). A better run appearing, or a run's
 * bundle changing, changes the key.
 */
final class BestRunSource implements ModelSource {

    private final ExperimentClient client;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final RunBundles bundles;
    private final Long experimentId;
    private final String metric;
    private final String mode;
    private final int maxCandidates;

    BestRunSource(ExperimentClient client, RunBundles bundles, Long experimentId, String metric, String mode,
                  int maxCandidates) {
        this.client = client;
        this.bundles = bundles;
        this.experimentId = experimentId;
        this.metric = metric;
        this.mode = mode;
        this.maxCandidates = maxCandidates;
    }

    /** Run and sha256: the same run with other bytes is another candidate, tried afresh. */
    static String key(long runId, String sha256) {
        return "run:" + runId + ":" + sha256;
    }

    @Override
    public Stream<ModelCandidate> candidates() {
        Optional<ModelCandidate> best = client.bestModel(experimentId, metric, mode).map(BestRunSource::toCandidate);
        if (best.isEmpty()) {
            return Stream.empty();
        }
        Set<Long> seen = new HashSet<>();
        seen.add(best.get().runId());
        // Lazy: the search runs only when the poller asks for a second candidate.
        Stream<ModelCandidate> rest = StreamSupport.stream(() -> Spliterators.spliteratorUnknownSize(
                new RankedRuns(client, http, Duration.ofSeconds(30), experimentId, metric, mode, maxCandidates),
                Spliterator.ORDERED), Spliterator.ORDERED, false);
        // Ties may be ordered differently by the two queries, hence by run id rather than position.
        return Stream.concat(best.stream(), rest.filter(c -> seen.add(c.runId()))).limit(maxCandidates);
    }

    private static ModelCandidate toCandidate(BestModel best) {
        String sha = best.artifact() == null ? null : best.artifact().sha256();
        return new ModelCandidate(key(best.runId(), sha), "best-run", best.runId(), best.experimentId(),
                best.metric(), best.value(), sha);
    }

    @Override
    public ModelBundle load(ModelCandidate candidate) throws IOException {
        return bundles.download(candidate);
    }

    @Override
    public String describe() {
        return "best run by " + metric + " (" + mode + ") in " + (experimentId == null ? "all experiments"
                : "experiment " + experimentId) + " at " + client.baseUrl();
    }
}
