package dev.segplatform.experiment.metric;

import dev.segplatform.experiment.api.ArtifactPaths;
import dev.segplatform.experiment.api.MetricBatch;
import dev.segplatform.experiment.api.MetricHistory;
import dev.segplatform.experiment.problem.InvalidInputException;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.validation.Valid;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

@RestController
@Tag(name = "Metrics", description = "Append metric batches to a run and read metric histories")
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
        MetricPointChecks.check(batch.metrics());
        store.append(id, leaseToken, batch.metrics());
        return ResponseEntity.noContent().build();
    }

    /**
     * Keys may contain '/' (MLflow clients log {@code train/loss}), so the key is the rest of the path,
     * taken literally or with '/' encoded as %2F.
     */
    @GetMapping("/api/runs/{id}/metrics/{*key}")
    @Operation(summary = "The history of one metric, by step; the key is the rest of the path and may contain '/'")
    MetricHistory history(@PathVariable long id,
                          @Parameter(description = "metric key such as train/loss") @PathVariable("key") String path) {
        // The catch-all keeps the leading '/' of the captured segments.
        String key = path.startsWith("/") ? path.substring(1) : path;
        return history(id, key, "key");
    }

    /**
     * The same with the key as a query parameter: the form that carries any key unchanged, since a
     * path is normalised on the way in ('a//b' and 'a/../b' are legal keys but not stable paths).
     */
    @GetMapping(path = "/api/runs/{id}/metrics", params = "key")
    @Operation(summary = "The history of one metric, by step, named by ?key=")
    MetricHistory historyByQuery(@PathVariable long id, @RequestParam String key) {
        return history(id, key, "key");
    }

    /** Every metric's history (or those named by {@code keys}) in one answer, for a run page's charts. */
    record Histories(Map<String, List<MetricHistory.Point>> metrics) {
    }

    @GetMapping(path = "/api/runs/{id}/metrics", params = "!key")
    @Operation(summary = "The history of every metric of the run, or of those named by repeated keys=, by step; "
            + "refused (400) above experiment.limits.metric-points-per-read points")
    Histories histories(@PathVariable long id,
                        @Parameter(description = "metric keys to read (repeat the parameter); all when absent")
                        @RequestParam(required = false) List<String> keys) {
        // A single value is also split at commas, which no metric key may hold.
        List<String> requested = keys == null ? List.of() : List.copyOf(new LinkedHashSet<>(keys));
        if (requested.stream().anyMatch(String::isEmpty)) {
            throw new InvalidInputException("keys", "must name metrics, e.g. keys=loss&keys=val_loss");
        }
        return new Histories(store.histories(id, requested));
    }

    private MetricHistory history(long id, String key, String field) {
        if (key.isEmpty()) {
            throw new InvalidInputException(field, "must name a metric, e.g. /api/runs/" + id + "/metrics/loss");
        }
        return new MetricHistory(key, store.history(id, key));
    }
}
