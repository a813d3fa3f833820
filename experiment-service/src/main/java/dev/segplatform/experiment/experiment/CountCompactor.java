package dev.segplatform.experiment.experiment;

import dev.segplatform.experiment.config.ExperimentProperties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.annotation.SchedulingConfigurer;
import org.springframework.scheduling.config.ScheduledTaskRegistrar;
import org.springframework.stereotype.Component;

/**
 * Folds the count deltas that migration V10's triggers append (runs per experiment and status, and
 * queued jobs) into one row each, every {@code experiment.count-compaction-interval}. Writers append
 * rather than update one counter row so that they never wait on each other; this keeps what the
 * readers sum small. The totals are the same before and after, so skipping a fold costs only speed.
 */
@Component
class CountCompactor implements SchedulingConfigurer {

    private static final Logger log = LoggerFactory.getLogger(CountCompactor.class);

    private final JdbcClient jdbc;
    private final ExperimentProperties properties;

    CountCompactor(JdbcClient jdbc, ExperimentProperties properties) {
        this.jdbc = jdbc;
        this.properties = properties;
    }

    @Override
    public void configureTasks(ScheduledTaskRegistrar registrar) {
        registrar.addFixedDelayTask(this::compact, properties.countCompactionInterval());
    }

    void compact() {
        try {
            jdbc.sql("select compact_counts()").query().listOfRows();
        } catch (RuntimeException e) {
            // The next fold retries; a failed one must not end the scheduler's task.
            log.warn("Count compaction failed", e);
        }
    }
}
