package dev.segplatform.inference.model;

import dev.segplatform.core.bundle.ModelBundle;
import dev.segplatform.inference.InferenceProperties;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.Optional;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.scheduling.annotation.SchedulingConfigurer;
import org.springframework.scheduling.config.FixedDelayTask;
import org.springframework.scheduling.config.ScheduledTaskRegistrar;
import org.springframework.stereotype.Component;

/**
 * Looks for a new model every {@code inference.poll-interval}, starting at once. A candidate with a
 * new key is downloaded, verified, loaded and put through one warm-up forward pass beside the
 * served model, and only then swapped in, so the first requests on it are as fast as any. A
 * candidate that failed to load is not tried again until the source proposes something else, so
 * a corrupt bundle is not downloaded every poll; the current model stays in service meanwhile.
 */
@Component
class ModelPoller implements SchedulingConfigurer {

    private static final Logger log = LoggerFactory.getLogger(ModelPoller.class);

    private final ModelSource source;
    private final ModelHolder holder;
    private final Duration interval;
    private final MeterRegistry meters;
    private String failedKey;
    private String lastProblem;

    ModelPoller(ModelSource source, ModelHolder holder, InferenceProperties properties, MeterRegistry meters) {
        this.source = source;
        this.holder = holder;
        this.interval = properties.pollInterval();
        this.meters = meters;
    }

    @Override
    public void configureTasks(ScheduledTaskRegistrar registrar) {
        log.info("Model source: {}; polling every {}", source.describe(), interval);
        registrar.addFixedDelayTask(new FixedDelayTask(this::poll, interval, Duration.ZERO));
    }

    /** One look at the source; never throws, so the schedule goes on. */
    synchronized void poll() {
        Optional<ModelCandidate> candidate;
        try {
            candidate = source.candidate();
        } catch (Exception e) {
            warnOnce("cannot ask " + source.describe() + ": " + e.getMessage());
            return;
        }
        if (candidate.isEmpty()) {
            warnOnce("no model to serve yet from " + source.describe());
            return;
        }
        ModelCandidate next = candidate.get();
        Optional<ServedModel> served = holder.current();
        if (served.isPresent() && served.get().candidate().key().equals(next.key()) || next.key().equals(failedKey)) {
            return;
        }
        long start = System.nanoTime();
        try {
            ModelBundle bundle = source.load(next);
            ServedModel model = holder.prepare(bundle, next);
            int s = model.inputSize();
            model.forward(Nd4j.zeros(1, 3, s, s));
            holder.install(model);
            failedKey = null;
            lastProblem = null;
            meters.counter("inference.model.loads", "outcome", "success").increment();
            log.info("Loaded {} in {} ms", next.key(), (System.nanoTime() - start) / 1_000_000);
        } catch (Exception | OutOfMemoryError e) {
            failedKey = next.key();
            meters.counter("inference.model.loads", "outcome", "failure").increment();
            log.error("Cannot load {}; {}", next.key(), served.isPresent()
                    ? "still serving version " + served.get().version() : "no model served yet", e);
        }
    }

    private void warnOnce(String problem) {
        if (!problem.equals(lastProblem)) {
            log.warn("{}", problem);
            lastProblem = problem;
        }
    }
}
