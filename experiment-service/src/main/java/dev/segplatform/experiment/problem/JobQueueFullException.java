package dev.segplatform.experiment.problem;

import java.time.Duration;
import java.util.List;
import org.springframework.http.HttpStatus;

/** 503 with Retry-After: the job queue is at capacity, so the run was not created. */
public class JobQueueFullException extends ApiException {

    private final Duration retryAfter;

    public JobQueueFullException(int capacity, Duration retryAfter) {
        super(HttpStatus.SERVICE_UNAVAILABLE, "queue-full", "Queue full",
                "the job queue holds its maximum of " + capacity + " queued jobs; retry later", List.of());
        this.retryAfter = retryAfter;
    }

    public Duration retryAfter() {
        return retryAfter;
    }
}
