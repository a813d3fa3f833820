package dev.segplatform.trainer.job;

import dev.segplatform.experiment.api.CompleteRequest;
import dev.segplatform.experiment.api.JobClaim;
import dev.segplatform.experiment.api.JobStatus;
import dev.segplatform.experiment.api.ReleaseRequest;
import dev.segplatform.experiment.client.ExperimentClient;
import dev.segplatform.trainer.TrainerProperties;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Runs one claimed job from start to its end state: heartbeats while training, then completes it
 * (SUCCEEDED, CANCELLED, PRUNED), fails it with a readable reason, or gives it back on shutdown.
 * A failure in one job never escapes: the worker goes on to the next.
 */
@Component
public class JobRunner {

    private static final Logger log = LoggerFactory.getLogger(JobRunner.class);

    private final ExperimentClient client;
    private final JobTraining training;
    private final TrainerProperties properties;
    private final ScheduledExecutorService heartbeats = Executors.newScheduledThreadPool(1, runnable -> {
        Thread thread = new Thread(runnable, "heartbeat");
        thread.setDaemon(true);
        return thread;
    });
    private final Map<Long, Lease> active = new ConcurrentHashMap<>();

    JobRunner(ExperimentClient client, JobTraining training, TrainerProperties properties) {
        this.client = client;
        this.training = training;
        this.properties = properties;
    }

    public void run(JobClaim claim) {
        log.info("Job {} (run {}, attempt {}, claim {}): {} for {} epochs", claim.jobId(), claim.runId(),
                claim.attempt(), claim.claim(),
                claim.spec().model().wireName(), claim.spec().epochs());
        try (Lease lease = new Lease(client, claim, heartbeats, properties.heartbeatInterval())) {
            active.put(claim.jobId(), lease);
            try {
                finish(lease, training.train(lease));
            } catch (LeaseLostException e) {
                log.warn("Job {} abandoned: {}", claim.jobId(), e.getMessage());
            } catch (Throwable t) {
                if (lease.stopReason() == StopReason.LEASE_LOST) {
                    log.warn("Job {} failed after losing its lease; leaving it to its new owner", claim.jobId(), t);
                } else {
                    log.error("Job {} failed", claim.jobId(), t);
                    end(lease, JobStatus.FAILED, reason(t));
                }
                if (t instanceof Error && !(t instanceof OutOfMemoryError)) {
                    throw (Error) t;
                }
            } finally {
                active.remove(claim.jobId());
            }
        }
    }

    /** Asks every running job to checkpoint and give itself back; used on shutdown. */
    public void stopAll() {
        active.values().forEach(lease -> lease.requestStop(StopReason.SHUTDOWN));
    }

    public Map<Long, Lease> active() {
        return Map.copyOf(active);
    }

    private void finish(Lease lease, StopReason stoppedBy) {
        JobClaim claim = lease.claim();
        if (stoppedBy == null) {
            end(lease, JobStatus.SUCCEEDED, null);
            return;
        }
        switch (stoppedBy) {
            case CANCEL -> end(lease, JobStatus.CANCELLED, "cancelled by the user");
            case PRUNE -> end(lease, JobStatus.PRUNED, "pruned by the tuning study");
            case SHUTDOWN -> {
                lease.write("release", () -> client.release(claim.jobId(),
                        new ReleaseRequest(claim.leaseToken(), "worker shut down; resumes from the last checkpoint")));
                log.info("Job {} given back for another worker to resume", claim.jobId());
            }
            case LEASE_LOST -> log.warn("Job {} stopped: its lease is gone", claim.jobId());
        }
    }

    private void end(Lease lease, JobStatus outcome, String message) {
        JobClaim claim = lease.claim();
        lease.heartbeat(); // flush the last progress before the lease closes
        lease.write("complete", () -> client.complete(claim.jobId(),
                new CompleteRequest(claim.leaseToken(), outcome, message)));
        log.info("Job {} ended {}{}", claim.jobId(), outcome, message == null ? "" : ": " + message);
    }

    /** A reason a user can act on: the innermost cause, by kind and message. */
    static String reason(Throwable t) {
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String kind = root instanceof OutOfMemoryError ? "out of memory" : root.getClass().getSimpleName();
        String message = root.getMessage() == null ? "" : ": " + root.getMessage();
        String outer = root == t || t.getMessage() == null ? "" : " (" + t.getMessage() + ")";
        String reason = kind + message + outer;
        return reason.length() > 2000 ? reason.substring(0, 2000) + "..." : reason;
    }
}
