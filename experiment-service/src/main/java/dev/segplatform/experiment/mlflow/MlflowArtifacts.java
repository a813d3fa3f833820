package dev.segplatform.experiment.mlflow;

import dev.segplatform.experiment.api.ArtifactInfo;
import dev.segplatform.experiment.artifact.ArtifactService;
import dev.segplatform.experiment.run.RunResponse;
import dev.segplatform.experiment.run.RunViews;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.stereotype.Service;

/**
 * MLflow's artifact views over the platform's artifact store: the tracking API's {@code artifacts/list}
 * and the artifact proxy ({@code mlflow-artifacts:/<experiment>/<run>/artifacts/<path>}). MLflow sees
 * folders; the store holds files by path, so folders are the paths' prefixes.
 */
@Service
class MlflowArtifacts {

    private final ArtifactService artifacts;
    private final RunViews views;

    MlflowArtifacts(ArtifactService artifacts, RunViews views) {
        this.artifacts = artifacts;
        this.views = views;
    }

    /** A proxy path resolved to its run and the artifact path inside the run ("" for the run's root). */
    record Location(long experimentId, long runId, String path) {
    }

    /**
     * Resolves {@code <experiment>/<run>/artifacts[/<path>]}, checking that the run exists and belongs
     * to that experiment, so a path cannot reach another experiment's run by a wrong prefix.
     */
    Location locate(String proxyPath) {
        String trimmed = proxyPath == null ? "" : proxyPath.replaceAll("^/+", "");
        String[] parts = trimmed.split("/", 4);
        if (parts.length < 3 || !parts[2].equals("artifacts")) {
            throw new MlflowException(MlflowException.Code.RESOURCE_DOES_NOT_EXIST, "No artifact at '" + proxyPath
                    + "': paths are <experiment_id>/<run_id>/artifacts/<path>");
        }
        long experimentId = MlflowTracking.experimentId(parts[0]);
        long runId;
        try {
            runId = Long.parseLong(parts[1]);
        } catch (NumberFormatException e) {
            throw new MlflowException(MlflowException.Code.RESOURCE_DOES_NOT_EXIST, "Run with id=" + parts[1]
                    + " not found");
        }
        RunResponse run = views.get(runId);
        if (run.experimentId() != experimentId) {
            throw new MlflowException(MlflowException.Code.RESOURCE_DOES_NOT_EXIST, "Run with id=" + runId
                    + " not found in experiment " + experimentId);
        }
        return new Location(experimentId, runId, parts.length == 4 ? parts[3] : "");
    }

    void upload(Location location, String contentType, long length, InputStream body) {
        if (location.path().isBlank()) {
            throw MlflowException.invalid("An artifact upload must name a file under <experiment_id>/<run_id>/artifacts/");
        }
        if (views.get(location.runId()).deletedAt() != null) {
            throw MlflowException.invalid("The run " + location.runId() + " must be in the 'active' state. "
                    + "Current state is deleted.");
        }
        artifacts.upload(location.runId(), location.path(), null, contentType, length, body);
    }

    ArtifactService.Download download(Location location) {
        return artifacts.download(location.runId(), location.path());
    }

    /**
     * The files and folders directly under {@code folder} of a run, with paths relative to the run's
     * artifact root (as {@code artifacts/list} answers) or to the folder (as the proxy's list does).
     */
    List<MlflowMessages.FileInfo> list(long runId, String folder, boolean relativeToFolder) {
        String prefix = folder == null ? "" : folder.replaceAll("^/+|/+$", "");
        String withSlash = prefix.isEmpty() ? "" : prefix + "/";
        Map<String, MlflowMessages.FileInfo> entries = new LinkedHashMap<>();
        for (ArtifactInfo artifact : artifacts.list(runId, withSlash.isEmpty() ? null : withSlash)) {
            String rest = artifact.path().substring(withSlash.length());
            int slash = rest.indexOf('/');
            String name = slash < 0 ? rest : rest.substring(0, slash);
            String shown = relativeToFolder ? name : withSlash + name;
            entries.putIfAbsent(shown, slash < 0 ? new MlflowMessages.FileInfo(shown, false, artifact.size())
                    : new MlflowMessages.FileInfo(shown, true, null));
        }
        return new ArrayList<>(entries.values());
    }
}
