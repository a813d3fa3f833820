package dev.segplatform.inference.model;

import dev.segplatform.core.bundle.ModelBundle;
import dev.segplatform.experiment.api.ArtifactInfo;
import dev.segplatform.experiment.api.ArtifactPaths;
import dev.segplatform.experiment.client.ExperimentClient;
import java.io.IOException;
import java.util.stream.Stream;

/**
 * One run's bundle, whatever else gets trained: for a release pinned by hand. Empty until the run
 * has uploaded its bundle, so the service can start before the run ends.
 */
final class PinnedRunSource implements ModelSource {

    private final ExperimentClient client;
    private final RunBundles bundles;
    private final long runId;

    PinnedRunSource(ExperimentClient client, RunBundles bundles, long runId) {
        this.client = client;
        this.bundles = bundles;
        this.runId = runId;
    }

    @Override
    public Stream<ModelCandidate> candidates() {
        return client.listArtifacts(runId, "model/").stream()
                .filter(a -> a.path().equals(ArtifactPaths.MODEL_BUNDLE))
                .map(ArtifactInfo::sha256)
                .findFirst().stream()
                .map(sha -> new ModelCandidate(BestRunSource.key(runId, sha), "pinned-run", runId, null, null, null,
                        sha));
    }

    @Override
    public ModelBundle load(ModelCandidate candidate) throws IOException {
        return bundles.download(candidate);
    }

    @Override
    public String describe() {
        return "pinned run " + runId + " at " + client.baseUrl();
    }
}
