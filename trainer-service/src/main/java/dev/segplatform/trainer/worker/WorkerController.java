package dev.segplatform.trainer.worker;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.util.List;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

@RestController
@Tag(name = "Worker", description = "What this trainer is doing")
class WorkerController {

    private final WorkerPool pool;

    WorkerController(WorkerPool pool) {
        this.pool = pool;
    }

    @GetMapping("/api/worker")
    @Operation(summary = "The worker slots and the job each is training")
    List<WorkerPool.SlotStatus> status() {
        return pool.status();
    }
}
