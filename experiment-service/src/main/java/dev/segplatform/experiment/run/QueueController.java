package dev.segplatform.experiment.run;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

@RestController
@Tag(name = "Queue", description = "The jobs waiting for or held by trainers")
class QueueController {

    private final QueueViews views;

    QueueController(QueueViews views) {
        this.views = views;
    }

    @GetMapping("/api/queue")
    @Operation(summary = "Running jobs, then queued ones in the order trainers will claim them, with totals")
    QueueResponse queue(@RequestParam(defaultValue = "100") @Min(1) @Max(1000) int limit) {
        return views.queue(limit);
    }
}
