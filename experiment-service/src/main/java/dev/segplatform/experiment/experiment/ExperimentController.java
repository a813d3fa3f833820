package dev.segplatform.experiment.experiment;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import java.net.URI;
import java.util.List;
import org.springframework.data.domain.Page;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PatchMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

@RestController
@RequestMapping("/api/experiments")
@Tag(name = "Experiments", description = "Named groups of runs")
class ExperimentController {

    private final ExperimentService service;

    ExperimentController(ExperimentService service) {
        this.service = service;
    }

    record ExperimentPage(List<ExperimentResponse> items, int page, int size, long total) {
    }

    @PostMapping
    @Operation(summary = "Create an experiment; names are unique among live experiments")
    ResponseEntity<ExperimentResponse> create(@Valid @RequestBody ExperimentRequests.Create request) {
        ExperimentResponse created = service.response(service.create(request));
        return ResponseEntity.created(URI.create("/api/experiments/" + created.id())).body(created);
    }

    @GetMapping
    @Operation(summary = "List experiments by name, paged, each with its runs counted by status, best val_mean_iou "
            + "and last activity")
    ExperimentPage list(@RequestParam(required = false) String name,
                        @RequestParam(defaultValue = "false") boolean includeDeleted,
                        @RequestParam(defaultValue = "0") @Min(0) int page,
                        @RequestParam(defaultValue = "50") @Min(1) @Max(1000) int size) {
        Page<ExperimentEntity> result = service.list(name, includeDeleted, page, size);
        return new ExperimentPage(service.responses(result.getContent()), page, size, result.getTotalElements());
    }

    @GetMapping("/{id}")
    @Operation(summary = "Get one experiment, deleted or not")
    ExperimentResponse get(@PathVariable long id) {
        return service.response(service.entity(id));
    }

    @PatchMapping("/{id}")
    @Operation(summary = "Rename an experiment or change its description")
    ExperimentResponse update(@PathVariable long id, @Valid @RequestBody ExperimentRequests.Update request) {
        return service.response(service.update(id, request));
    }

    @DeleteMapping("/{id}")
    @Operation(summary = "Soft-delete an experiment; its runs stay and it can be restored")
    ResponseEntity<Void> delete(@PathVariable long id) {
        service.delete(id);
        return ResponseEntity.noContent().build();
    }

    @PostMapping("/{id}/restore")
    @Operation(summary = "Restore a deleted experiment, unless a live one took its name meanwhile")
    ExperimentResponse restore(@PathVariable long id) {
        return service.response(service.restoreEntity(id));
    }
}
