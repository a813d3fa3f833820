package dev.segplatform.experiment.metric;

import dev.segplatform.experiment.api.ArtifactPaths;
import dev.segplatform.experiment.api.MetricBatch;
import dev.segplatform.experiment.api.MetricHistory;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.validation.Valid;
import java.util.UUID;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;

@RestController
@Tag(name = "Metrics", description = "Append metric batches to a run and read a metric's history")
class MetricController {

    private final MetricStore store;

    MetricController(MetricStore store) {
        this.store = store;
    }

    @PostMapping("/api/runs/{id}/metrics")
    @Operation(summary = "Append up to 1000 points atomically; a worker sends its X-Lease-Token")
    ResponseEntity<Void> append(@PathVariable long id,
                                @RequestHeader(name = ArtifactPaths.LEASE_TOKEN_HEADER, required = false) UUID leaseToken,
                                @Valid @RequestBody MetricBatch batch) {
        store.append(id, leaseToken, batch.metrics());
        return ResponseEntity.noContent().build();
    }

    @GetMapping("/api/runs/{id}/metrics/{key}")
    @Operation(summary = "The history of one metric, by step")
    MetricHistory history(@PathVariable long id, @PathVariable String key) {
        return new MetricHistory(key, store.history(id, key));
    }
}
