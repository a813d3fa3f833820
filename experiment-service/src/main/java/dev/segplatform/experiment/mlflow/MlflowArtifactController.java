package dev.segplatform.experiment.mlflow;

import dev.segplatform.experiment.api.ArtifactInfo;
import dev.segplatform.experiment.artifact.ArtifactService;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.springframework.core.io.FileSystemResource;
import org.springframework.core.io.Resource;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * MLflow's artifacts: {@code artifacts/list} of the tracking API and the artifact proxy
 * ({@code /api/2.0/mlflow-artifacts/artifacts/...}) that MLflow's clients use for a run whose
 * artifact_uri is {@code mlflow-artifacts:/...}, so log_artifact and download_artifacts work against
 * the platform's store with no S3 or shared disk.
 */
@RestController
@Tag(name = "MLflow", description = "MLflow REST API 2.0 (tracking): MLflow's clients log to the platform")
class MlflowArtifactController {

    private final MlflowTracking tracking;
    private final MlflowArtifacts artifacts;

    MlflowArtifactController(MlflowTracking tracking, MlflowArtifacts artifacts) {
        this.tracking = tracking;
        this.artifacts = artifacts;
    }

    /**
     * As MLflow 2.17's server: one page with every entry of the folder, whatever {@code page_token} says,
     * and no {@code next_page_token} (a run's folder holds few entries; clients that send a token get
     * the whole listing and stop).
     */
    @GetMapping({"/api/2.0/mlflow/artifacts/list", "/ajax-api/2.0/mlflow/artifacts/list"})
    @Operation(summary = "The files and folders directly under a path of a run's artifacts, all in one page")
    MlflowMessages.ListArtifactsResponse list(@RequestParam(name = "run_id", required = false) String runId,
                                              @RequestParam(name = "run_uuid", required = false) String runUuid,
                                              @RequestParam(required = false) String path,
                                              @Parameter(description = "accepted and ignored, as MLflow does")
                                              @RequestParam(name = "page_token", required = false) String pageToken) {
        long id = tracking.runId(runId != null && !runId.isBlank() ? runId : runUuid);
        MlflowMessages.Run run = tracking.getRun(Long.toString(id));
        return new MlflowMessages.ListArtifactsResponse(run.info().artifactUri(), artifacts.list(id, path, false), null);
    }

    @PutMapping("/api/2.0/mlflow-artifacts/artifacts/{*path}")
    @Operation(summary = "Upload a file to <experiment_id>/<run_id>/artifacts/<path>, streamed into the store")
    Map<String, Object> upload(@Parameter(description = "<experiment_id>/<run_id>/artifacts/<path>")
                                @PathVariable String path, HttpServletRequest request) throws IOException {
        artifacts.upload(artifacts.locate(path), request.getContentType(), request.getContentLengthLong(),
                request.getInputStream());
        return Map.of();
    }

    @GetMapping("/api/2.0/mlflow-artifacts/artifacts/{*path}")
    @Operation(summary = "Download a file from <experiment_id>/<run_id>/artifacts/<path>")
    ResponseEntity<Resource> download(@PathVariable String path) {
        ArtifactService.Download download = artifacts.download(artifacts.locate(path));
        ArtifactInfo artifact = download.artifact();
        return ResponseEntity.ok()
                .contentType(MediaType.APPLICATION_OCTET_STREAM)
                .contentLength(artifact.size())
                .eTag("\"" + artifact.sha256() + "\"")
                .body(new FileSystemResource(download.file()));
    }

    @GetMapping("/api/2.0/mlflow-artifacts/artifacts")
    @Operation(summary = "List the folder ?path=<experiment_id>/<run_id>/artifacts[/<folder>], names relative to it")
    MlflowMessages.ProxyListResponse proxyList(@RequestParam(required = false) String path) {
        String[] parts = path == null ? new String[0] : path.replaceAll("^/+", "").split("/");
        if (parts.length == 2) {
            // <experiment>/<run>: its one folder.
            artifacts.locate(path + "/artifacts");
            return new MlflowMessages.ProxyListResponse(List.of(new MlflowMessages.FileInfo("artifacts", true, null)));
        }
        if (parts.length < 2) {
            return new MlflowMessages.ProxyListResponse(List.of());
        }
        MlflowArtifacts.Location location = artifacts.locate(path);
        return new MlflowMessages.ProxyListResponse(artifacts.list(location.runId(), location.path(), true));
    }
}
