package dev.segplatform.experiment.queue;

import dev.segplatform.experiment.api.ClaimRequest;
import dev.segplatform.experiment.api.CompleteRequest;
import dev.segplatform.experiment.api.HeartbeatRequest;
import dev.segplatform.experiment.api.HeartbeatResponse;
import dev.segplatform.experiment.api.JobClaim;
import dev.segplatform.experiment.api.ReleaseRequest;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.validation.Valid;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/** The trainers' protocol: claim, heartbeat, complete. Not routed through the public gateway. */
@RestController
@RequestMapping("/api/jobs")
@Tag(name = "Jobs", description = "Worker protocol: claim queued jobs, heartbeat leases, complete")
class JobController {

    private final JobQueue queue;

    JobController(JobQueue queue) {
        this.queue = queue;
    }

    @PostMapping("/claim")
    @Operation(summary = "Lease the oldest queued job that fits the worker; 204 when there is none",
            description = "A retry that sends the same requestId from the same worker gets the lease the first "
                    + "request got, while it is current, instead of a second job.")
    ResponseEntity<JobClaim> claim(@Valid @RequestBody ClaimRequest request) {
        return queue.claim(request.workerId(), request.capabilities(), request.requestId())
                .map(ResponseEntity::ok)
                .orElseGet(() -> ResponseEntity.noContent().build());
    }

    @PostMapping("/{id}/heartbeat")
    @Operation(summary = "Extend the lease, report progress; answers CONTINUE, CANCEL or PRUNE")
    HeartbeatResponse heartbeat(@PathVariable long id, @Valid @RequestBody HeartbeatRequest request) {
        return queue.heartbeat(id, request.leaseToken(), request.progress());
    }

    @PostMapping("/{id}/release")
    @Operation(summary = "Give an unfinished job back (worker shutting down); it is queued again without spending an attempt")
    ResponseEntity<Void> release(@PathVariable long id, @Valid @RequestBody ReleaseRequest request) {
        queue.release(id, request.leaseToken(), request.message());
        return ResponseEntity.noContent().build();
    }

    @PostMapping("/{id}/complete")
    @Operation(summary = "Finish the job with its outcome; a stale lease token gets 409")
    ResponseEntity<Void> complete(@PathVariable long id, @Valid @RequestBody CompleteRequest request) {
        queue.complete(id, request.leaseToken(), request.outcome(), request.message());
        return ResponseEntity.noContent().build();
    }
}
