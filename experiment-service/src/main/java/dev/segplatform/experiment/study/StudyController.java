package dev.segplatform.experiment.study;

import dev.segplatform.experiment.api.JobStatus;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import java.net.URI;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

@RestController
@RequestMapping("/api/studies")
@Tag(name = "Studies", description = "Hyperparameter tuning: random, grid or TPE search whose trials are runs")
class StudyController {

    private final StudyService service;
    private final StudyViews views;

    StudyController(StudyService service, StudyViews views) {
        this.service = service;
        this.views = views;
    }

    @PostMapping
    @Operation(summary = "Start a study: its first trials are queued at once, up to its parallelism")
    ResponseEntity<StudyResponse> create(@Valid @RequestBody StudyRequests.Create request) {
        long id = service.create(request);
        return ResponseEntity.created(URI.create("/api/studies/" + id)).body(views.get(id));
    }

    @GetMapping
    @Operation(summary = "List studies, newest first, optionally of one experiment or in one status")
    StudyResponse.StudyPage list(@RequestParam(required = false) Long experimentId,
                                 @RequestParam(required = false) StudyStatus status,
                                 @RequestParam(defaultValue = "0") @Min(0) int page,
                                 @RequestParam(defaultValue = "50") @Min(1) @Max(1000) int size) {
        return views.list(experimentId, status, page, size);
    }

    @GetMapping("/{id}")
    @Operation(summary = "A study: status, trials (params, objective, state), best trial, parallel-coordinates data")
    StudyResponse get(@PathVariable long id) {
        return views.get(id);
    }

    @GetMapping("/{id}/trials")
    @Operation(summary = "A study's trials by number, paged, optionally in one state")
    StudyResponse.TrialPage trials(@PathVariable long id,
                                   @RequestParam(required = false) JobStatus state,
                                   @RequestParam(defaultValue = "0") @Min(0) int page,
                                   @RequestParam(defaultValue = "50") @Min(1) @Max(1000) int size) {
        return views.trials(id, state, page, size);
    }

    @PostMapping("/{id}/stop")
    @Operation(summary = "Stop a running study: queued trials are cancelled, running ones at their next heartbeat")
    StudyResponse stop(@PathVariable long id) {
        service.stop(id);
        return views.get(id);
    }
}
