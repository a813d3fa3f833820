package dev.segplatform.experiment.artifact;

import dev.segplatform.experiment.api.ArtifactInfo;
import dev.segplatform.experiment.api.ArtifactPaths;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.util.List;
import java.util.UUID;
import org.springframework.core.io.FileSystemResource;
import org.springframework.core.io.Resource;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

@RestController
@Tag(name = "Artifacts", description = "Files of a run: model bundles, checkpoints, sample masks")
class ArtifactController {

    private final ArtifactService service;

    ArtifactController(ArtifactService service) {
        this.service = service;
    }

    @PutMapping("/api/runs/{id}/artifacts/{*path}")
    @Operation(summary = "Stream a file in; it becomes visible once complete, with size and sha256")
    ResponseEntity<ArtifactInfo> upload(
            @PathVariable long id,
            @Parameter(description = "relative path such as model/bundle.zip") @PathVariable String path,
            @RequestHeader(name = ArtifactPaths.LEASE_TOKEN_HEADER, required = false) UUID leaseToken,
            HttpServletRequest request) throws IOException {
        ArtifactInfo artifact = service.upload(id, path, leaseToken, request.getContentType(),
                request.getContentLengthLong(), request.getInputStream());
        return ResponseEntity.status(201).body(artifact);
    }

    @GetMapping("/api/runs/{id}/artifacts")
    @Operation(summary = "List a run's artifacts, optionally under a path prefix")
    List<ArtifactInfo> list(@PathVariable long id, @RequestParam(required = false) String prefix) {
        return service.list(id, prefix);
    }

    @GetMapping("/api/runs/{id}/artifacts/{*path}")
    @Operation(summary = "Stream a file out; ETag and X-Checksum-Sha256 carry its sha256")
    ResponseEntity<Resource> download(@PathVariable long id, @PathVariable String path) {
        ArtifactService.Download download = service.download(id, path);
        ArtifactInfo artifact = download.artifact();
        return ResponseEntity.ok()
                .contentType(MediaType.parseMediaType(artifact.contentType()))
                .contentLength(artifact.size())
                .eTag("\"" + artifact.sha256() + "\"")
                .header("X-Checksum-Sha256", artifact.sha256())
                .header(HttpHeaders.CONTENT_DISPOSITION, "attachment; filename=\""
                        + artifact.path().substring(artifact.path().lastIndexOf('/') + 1).replace("\"", "") + "\"")
                .body(new FileSystemResource(download.file()));
    }
}
