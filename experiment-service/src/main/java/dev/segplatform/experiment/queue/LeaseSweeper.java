package dev.segplatform.experiment.queue;

import dev.segplatform.experiment.config.ExperimentProperties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.scheduling.annotation.SchedulingConfigurer;
import org.springframework.scheduling.config.ScheduledTaskRegistrar;
import org.springframework.stereotype.Component;

/** Puts jobs whose worker went silent back in the queue, every {@code experiment.sweep-interval}. */
@Component
class LeaseSweeper implements SchedulingConfigurer {

    private static final Logger log = LoggerFactory.getLogger(LeaseSweeper.class);

    private final JobQueue queue;
    private final ExperimentProperties properties;

    LeaseSweeper(JobQueue queue, ExperimentProperties properties) {
        this.queue = queue;
        this.properties = properties;
    }

    @Override
    public void configureTasks(ScheduledTaskRegistrar registrar) {
        registrar.addFixedDelayTask(this::sweep, properties.sweepInterval());
    }

    void sweep() {
        try {
            int swept = queue.sweepExpiredLeases();
            if (swept > 0) {
                log.info("Collected {} expired lease(s)", swept);
            }
        } catch (RuntimeException e) {
            // The next sweep retries; a failed sweep must not kill the scheduler thread's task.
            log.warn("Lease sweep failed", e);
        }
    }
}
