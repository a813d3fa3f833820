package dev.segplatform.experiment.run;

import dev.segplatform.experiment.api.ArtifactPaths;
import dev.segplatform.experiment.api.JobStatus;
import dev.segplatform.experiment.run.search.RunSearch;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import java.net.URI;
import java.util.List;
import java.util.UUID;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

@RestController
@Tag(name = "Runs", description = "Training runs: create (queues a job), watch, search, cancel")
class RunController {

    private final RunService service;
    private final RunViews views;
    private final RunSearch search;

    RunController(RunService service, RunViews views, RunSearch search) {
        this.service = service;
        this.views = views;
        this.search = search;
    }

    @PostMapping("/api/experiments/{experimentId}/runs")
    @Operation(summary = "Create a run from a training spec; it is queued at once")
    ResponseEntity<RunResponse> create(@PathVariable long experimentId, @Valid @RequestBody RunRequests.Create request) {
        RunResponse run = service.create(experimentId, request);
        return ResponseEntity.created(URI.create("/api/runs/" + run.id())).body(run);
    }

    @GetMapping("/api/runs/{id}")
    @Operation(summary = "A run: status, params, tags, latest metrics, progress")
    RunResponse get(@PathVariable long id) {
        return views.get(id);
    }

    @GetMapping("/api/runs")
    @Operation(summary = "Search runs with an MLflow-style filter, ordered, keyset-paged")
    RunSearch.Page search(
            @RequestParam(required = false) Long experimentId,
            @RequestParam(required = false) JobStatus status,
            @Parameter(description = "e.g. metrics.val_mean_iou > 0.8 and params.model = 'unet' (AND only)")
            @RequestParam(required = false) String filter,
            @Parameter(description = "e.g. metrics.val_mean_iou DESC; default attributes.created_time DESC")
            @RequestParam(required = false) String orderBy,
            @RequestParam(defaultValue = "100") @Min(1) @Max(1000) int maxResults,
            @RequestParam(required = false) String pageToken) {
        return search.search(new RunSearch.Query(experimentId, status, filter, orderBy, maxResults, pageToken));
    }

    @GetMapping("/api/runs/{id}/attempts")
    @Operation(summary = "Every claim of the run's job by a worker, oldest first: who held it, when, and how it ended")
    List<RunAttempt> attempts(@PathVariable long id) {
        return views.attempts(id);
    }

    @PostMapping("/api/runs/{id}/cancel")
    @Operation(summary = "Cancel a run: a queued one ends now, a running one stops at its next heartbeat")
    RunResponse cancel(@PathVariable long id) {
        return service.cancel(id);
    }

    @PostMapping("/api/runs/{id}/params")
    @Operation(summary = "Log extra params; each key is written once")
    RunResponse logParams(@PathVariable long id,
                          @RequestHeader(name = ArtifactPaths.LEASE_TOKEN_HEADER, required = false) UUID leaseToken,
                          @Valid @RequestBody RunRequests.LogParams request) {
        return service.logParams(id, leaseToken, request.params());
    }

    @PutMapping("/api/runs/{id}/tags")
    @Operation(summary = "Set or overwrite tags")
    RunResponse setTags(@PathVariable long id, @Valid @RequestBody RunRequests.SetTags request) {
        return service.setTags(id, request.tags());
    }
}
