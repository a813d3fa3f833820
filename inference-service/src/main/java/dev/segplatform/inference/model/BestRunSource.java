package dev.segplatform.inference.model;

import dev.segplatform.core.bundle.ModelBundle;
import dev.segplatform.experiment.api.BestModel;
import dev.segplatform.experiment.client.ExperimentClient;
import java.io.IOException;
import java.util.Optional;

/**
 * The best succeeded run with a bundle, by a metric, in one experiment or all, as the experiment
 * service ranks them ({@code GET /api/models/best}). A better run appearing changes the key.
 */
final class BestRunSource implements ModelSource {

    private final ExperimentClient client;
    private final RunBundles bundles;
    private final Long experimentId;
    private final String metric;
    private final String mode;

    BestRunSource(ExperimentClient client, RunBundles bundles, Long experimentId, String metric, String mode) {
        this.client = client;
        this.bundles = bundles;
        this.experimentId = experimentId;
        this.metric = metric;
        this.mode = mode;
    }

    @Override
    public Optional<ModelCandidate> candidate() {
        return client.bestModel(experimentId, metric, mode).map(BestRunSource::toCandidate);
    }

    private static ModelCandidate toCandidate(BestModel best) {
        String sha = best.artifact() == null ? null : best.artifact().sha256();
        return new ModelCandidate("run:" + best.runId() + ":" + sha, "best-run", best.runId(), best.experimentId(),
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
