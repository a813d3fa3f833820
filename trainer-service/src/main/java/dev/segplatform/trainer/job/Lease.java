package dev.segplatform.trainer.job;

import dev.segplatform.experiment.api.HeartbeatRequest;
import dev.segplatform.experiment.api.HeartbeatResponse;
import dev.segplatform.experiment.api.JobAction;
import dev.segplatform.experiment.api.JobClaim;
import dev.segplatform.experiment.api.Progress;
import dev.segplatform.experiment.client.ExperimentApiException;
import dev.segplatform.experiment.client.ExperimentClient;
import dev.segplatform.experiment.client.ExperimentUnavailableException;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A claimed job's lease, kept alive by heartbeats in the background while training runs. It is
 * also the job's stop switch: a CANCEL or PRUNE answer, a worker shutdown, or the loss of the lease
 * sets {@link #stopReason()}, which training checks every iteration. Writes for the job go through
 * {@link #write}, which retries while the service is unreachable but the lease still holds.
 */
public final class Lease implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Lease.class);

    private final ExperimentClient client;
    private final JobClaim claim;
    private final AtomicReference<StopReason> stop = new AtomicReference<>();
    private final AtomicReference<Progress> progress = new AtomicReference<>();
    private final ScheduledFuture<?> heartbeats;
    private final Duration interval;
    private volatile Instant expiresAt;

    public Lease(ExperimentClient client, JobClaim claim, ScheduledExecutorService scheduler, Duration interval) {
        this.client = client;
        this.claim = claim;
        this.interval = interval;
        this.expiresAt = claim.leaseExpiresAt();
        this.heartbeats = scheduler.scheduleWithFixedDelay(this::heartbeat, interval.toMillis(), interval.toMillis(),
                TimeUnit.MILLISECONDS);
    }

    public JobClaim claim() {
        return claim;
    }

    /** Set once something asked training to stop; null while it should go on. */
    public StopReason stopReason() {
        if (stop.get() == null && Instant.now().isAfter(expiresAt)) {
            stop.compareAndSet(null, StopReason.LEASE_LOST);
        }
        return stop.get();
    }

    public void requestStop(StopReason reason) {
        stop.compareAndSet(null, reason);
    }

    /** Progress to send with the next heartbeat. */
    public void report(Progress latest) {
        progress.set(latest);
    }

    /** Sends one heartbeat now; also how the last progress is flushed. */
    void heartbeat() {
        if (stop.get() == StopReason.LEASE_LOST) {
            return;
        }
        long started = System.nanoTime();
        try {
            HeartbeatResponse answer = client.heartbeat(claim.jobId(),
                    new HeartbeatRequest(claim.leaseToken(), progress.get()));
            expiresAt = answer.leaseExpiresAt();
            warnIfSlow(started);
            if (answer.action() == JobAction.CANCEL) {
                requestStop(StopReason.CANCEL);
            } else if (answer.action() == JobAction.PRUNE) {
                requestStop(StopReason.PRUNE);
            }
        } catch (ExperimentApiException e) {
            if (e.isStaleLease() || e.status() == 404) {
                log.warn("Job {} lost its lease: {}", claim.jobId(), e.getMessage());
                stop.set(StopReason.LEASE_LOST);
            } else {
                log.warn("Heartbeat for job {} failed: {}", claim.jobId(), e.getMessage());
            }
        } catch (ExperimentUnavailableException e) {
            // Keep training: the lease may well outlive a short outage. stopReason() notices expiry.
            log.warn("Heartbeat for job {} could not reach the experiment service: {}", claim.jobId(), e.getMessage());
        } catch (RuntimeException e) {
            log.warn("Heartbeat for job {} failed", claim.jobId(), e);
        }
    }

    /**
     * A heartbeat that takes longer than the interval between them eats into the lease; named in the
     * log so that a lease lost on a live worker can be traced to a slow service, disk or network.
     */
    private void warnIfSlow(long startedNanos) {
        Duration took = Duration.ofNanos(System.nanoTime() - startedNanos);
        if (took.compareTo(interval) > 0) {
            log.warn("Heartbeat for job {} took {} ms (interval {} ms); lease now ends {}", claim.jobId(),
                    took.toMillis(), interval.toMillis(), expiresAt);
        }
    }

    /**
     * Runs a write for this job, retrying with backoff while the service is unreachable or busy and
     * the lease has not run out; a refused lease ends the job with {@link LeaseLostException}.
     */
    public <T> T write(String what, Supplier<T> call) {
        long waitMillis = 200;
        while (true) {
            try {
                return call.get();
            } catch (ExperimentApiException e) {
                if (e.isStaleLease()) {
                    stop.set(StopReason.LEASE_LOST);
                    throw new LeaseLostException(what + ": " + e.getMessage());
                }
                if (!e.isRetryable()) {
                    throw e;
                }
                log.warn("{} failed, will retry: {}", what, e.getMessage());
            } catch (ExperimentUnavailableException e) {
                log.warn("{} could not reach the experiment service, will retry: {}", what, e.getMessage());
            }
            if (Instant.now().plusMillis(waitMillis).isAfter(expiresAt)) {
                stop.set(StopReason.LEASE_LOST);
                throw new LeaseLostException(what + ": the lease ran out while the experiment service was unreachable");
            }
            sleep(waitMillis);
            waitMillis = Math.min(waitMillis * 2, 5_000);
        }
    }

    public void write(String what, Runnable call) {
        write(what, () -> {
            call.run();
            return null;
        });
    }

    @Override
    public void close() {
        heartbeats.cancel(false);
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LeaseLostException("interrupted while waiting to retry");
        }
    }
}
