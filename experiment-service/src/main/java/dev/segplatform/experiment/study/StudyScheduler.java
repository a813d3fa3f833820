package dev.segplatform.experiment.study;

import dev.segplatform.experiment.config.ExperimentProperties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.scheduling.annotation.SchedulingConfigurer;
import org.springframework.scheduling.config.ScheduledTaskRegistrar;
import org.springframework.stereotype.Component;

/**
 * Advances every running study every {@code experiment.study-interval}: records finished trials,
 * prunes, tops trials up to the study's parallelism, completes it. Everything it needs is in the
 * database, so after a restart it simply carries on with the studies it finds RUNNING.
 */
@Component
class StudyScheduler implements SchedulingConfigurer {

    private static final Logger log = LoggerFactory.getLogger(StudyScheduler.class);

    private final StudyService studies;
    private final ExperimentProperties properties;

    StudyScheduler(StudyService studies, ExperimentProperties properties) {
        this.studies = studies;
        this.properties = properties;
    }

    @Override
    public void configureTasks(ScheduledTaskRegistrar registrar) {
        registrar.addFixedDelayTask(this::tick, properties.studyInterval());
    }

    void tick() {
        java.util.List<Long> running;
        try {
            running = studies.running();
        } catch (RuntimeException e) {
            log.warn("Listing running studies failed; the next tick retries", e);
            return;
        }
        for (long id : running) {
            try {
                studies.advance(id);
            } catch (RuntimeException e) {
                // One study's trouble (a database hiccup) must not stall the others; the next tick retries.
                log.warn("Advancing study {} failed", id, e);
            }
        }
    }
}
