package dev.segplatform.inference.model;

import dev.segplatform.core.bundle.ModelBundle;
import dev.segplatform.experiment.api.ArtifactInfo;
import dev.segplatform.experiment.api.ArtifactPaths;
import dev.segplatform.experiment.api.ResolvedModel;
import dev.segplatform.experiment.client.ExperimentClient;
import java.io.IOException;
import java.util.stream.Stream;

/**
 * The version of a registered model that a model URI names: {@code models:/pets@production} follows
 * the alias (each poll asks where it points, so moving the alias swaps the model, and moving it back
 * rolls back), {@code models:/pets/3} stays on that version. Empty while the URI names nothing or the
 * version's run has no bundle yet.
 */
final class RegisteredModelSource implements ModelSource {

    private final ExperimentClient client;
    private final RunBundles bundles;
    private final String modelUri;

    RegisteredModelSource(ExperimentClient client, RunBundles bundles, String modelUri) {
        this.client = client;
        this.bundles = bundles;
        this.modelUri = modelUri;
    }

    @Override
    public Stream<ModelCandidate> candidates() {
        return client.resolveModel(modelUri).stream().flatMap(this::candidate);
    }

    private Stream<ModelCandidate> candidate(ResolvedModel version) {
        return client.listArtifacts(version.runId(), "model/").stream()
                .filter(a -> a.path().equals(ArtifactPaths.MODEL_BUNDLE))
                .map(ArtifactInfo::sha256)
                .findFirst().stream()
                // The version is part of the key: two versions of one run are still two releases.
                .map(sha -> new ModelCandidate("models:/" + version.name() + "/" + version.version() + ":"
                        + BestRunSource.key(version.runId(), sha), "registered-model", version.runId(),
                        version.experimentId(), null, null, sha, version.name(), version.version(), version.alias()));
    }

    @Override
    public ModelBundle load(ModelCandidate candidate) throws IOException {
        return bundles.download(candidate);
    }

    @Override
    public String describe() {
        return modelUri + " at " + client.baseUrl();
    }
}
