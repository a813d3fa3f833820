package dev.segplatform.trainer.worker;

import dev.segplatform.experiment.api.ClaimRequest;
import dev.segplatform.experiment.api.JobClaim;
import dev.segplatform.experiment.api.WorkerCapabilities;
import dev.segplatform.experiment.client.ExperimentApiException;
import dev.segplatform.experiment.client.ExperimentClient;
import dev.segplatform.experiment.client.ExperimentUnavailableException;
import dev.segplatform.trainer.TrainerProperties;
import dev.segplatform.trainer.job.JobRunner;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * The worker slots: each a thread that claims a job, runs it, and claims the next, backing off
 * while the queue is empty or the experiment service unreachable. Stopping (SIGTERM) stops
 * claiming, asks running jobs to checkpoint and give themselves back, and waits for them.
 */
@Component
public class WorkerPool implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(WorkerPool.class);

    private final ExperimentClient client;
    private final JobRunner runner;
    private final TrainerProperties properties;
    private final List<Slot> slots = new ArrayList<>();
    /**
     * How long stop() waits for jobs to checkpoint and hand themselves back: Spring's own shutdown
     * budget for this phase less a margin, so the wait ends before Spring gives up on it. Set the
     * budget (and the pod's grace period) to cover one checkpoint of the largest model.
     */
    private final Duration stopWait;
    private volatile boolean running;

    WorkerPool(ExperimentClient client, JobRunner runner, TrainerProperties properties,
               @Value("${spring.lifecycle.timeout-per-shutdown-phase:30s}") Duration shutdownPhase) {
        this.client = client;
        this.runner = runner;
        this.properties = properties;
        this.stopWait = shutdownPhase.minusSeconds(5).isNegative() ? shutdownPhase : shutdownPhase.minusSeconds(5);
    }

    @Override
    public synchronized void start() {
        running = true;
        for (int i = 0; i < properties.slots(); i++) {
            Slot slot = new Slot(properties.workerId() + (properties.slots() > 1 ? "/" + i : ""));
            slot.thread.start();
            slots.add(slot);
        }
        log.info("{} worker slot(s) claiming from {}", properties.slots(), properties.experimentUrl());
    }

    @Override
    public synchronized void stop() {
        running = false;
        runner.stopAll();
        slots.stream().filter(slot -> slot.idle).forEach(slot -> slot.thread.interrupt());
        long deadline = System.nanoTime() + stopWait.toNanos();
        for (Slot slot : slots) {
            try {
                slot.thread.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        slots.clear();
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    /** Stop before the web server so jobs are handed back while the process can still talk. */
    @Override
    public int getPhase() {
        return Integer.MAX_VALUE - 1000;
    }

    /** What each slot is doing, for the status endpoint. */
    public List<SlotStatus> status() {
        return slots.stream().map(slot -> new SlotStatus(slot.id, slot.idle, slot.current)).toList();
    }

    public record SlotStatus(String workerId, boolean idle, Long jobId) {
    }

    private final class Slot implements Runnable {
        final String id;
        final Thread thread;
        volatile boolean idle = true;
        volatile Long current;

        Slot(String id) {
            this.id = id;
            this.thread = new Thread(this, "worker-" + id);
        }

        @Override
        public void run() {
            Backoff backoff = new Backoff(properties.idleBackoffMin(), properties.idleBackoffMax());
            WorkerCapabilities capabilities = new WorkerCapabilities(Set.of(), properties.maxDevices());
            // One request id until an answer arrives: a claim whose answer was lost (a timeout) is
            // asked again as the same request and gets the job it leased, instead of leaving that
            // job leased to nobody until the lease lapses and costs an attempt.
            ClaimRequest request = new ClaimRequest(id, capabilities, UUID.randomUUID());
            while (running) {
                Optional<JobClaim> claim;
                try {
                    claim = client.claim(request);
                    request = new ClaimRequest(id, capabilities, UUID.randomUUID());
                } catch (ExperimentUnavailableException | ExperimentApiException e) {
                    log.warn("Cannot claim: {}", e.getMessage());
                    claim = Optional.empty();
                }
                if (claim.isEmpty()) {
                    if (!pause(backoff.next())) {
                        return;
                    }
                    continue;
                }
                backoff.reset();
                idle = false;
                current = claim.get().jobId();
                try {
                    runner.run(claim.get());
                } finally {
                    current = null;
                    idle = true;
                }
            }
        }

        private boolean pause(Duration wait) {
            try {
                Thread.sleep(wait.toMillis());
                return running;
            } catch (InterruptedException e) {
                return false;
            }
        }
    }
}
