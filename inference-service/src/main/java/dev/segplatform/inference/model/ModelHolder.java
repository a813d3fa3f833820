package dev.segplatform.inference.model;

import dev.segplatform.core.bundle.ModelBundle;
import dev.segplatform.inference.InferenceProperties;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * The model being served, behind one {@link AtomicReference}. A new model is built completely
 * (loaded and warmed up) before {@link #install} swaps it in with a single write, so a request
 * sees either the old model or the new one, never a half-loaded one, and nobody waits for a lock.
 */
@Component
public class ModelHolder {

    private static final Logger log = LoggerFactory.getLogger(ModelHolder.class);

    private final AtomicReference<ServedModel> current = new AtomicReference<>();
    private final AtomicLong versions = new AtomicLong();
    private final long maxPixels;
    private final int instances;
    private final Clock clock;
    private final String sourceDescription;

    ModelHolder(InferenceProperties properties, ModelSource source, MeterRegistry meters) {
        this.maxPixels = properties.maxPixels();
        this.instances = properties.instances();
        this.clock = Clock.systemUTC();
        this.sourceDescription = source.describe();
        Gauge.builder("inference.model.version", this, h -> h.current().map(ServedModel::version).orElse(0L))
                .description("version number of the served model (0 = none yet); grows with every swap")
                .register(meters);
        Gauge.builder("inference.model.loaded.timestamp", this,
                        h -> h.current().map(m -> m.loadedAt().toEpochMilli() / 1000.0).orElse(0.0))
                .description("when the served model was loaded, in seconds since the epoch")
                .baseUnit("seconds")
                .register(meters);
        Gauge.builder("inference.batch.limit", this, h -> h.current().flatMap(ServedModel::batchProfile)
                        .map(BatchProfile::limit).orElse(0))
                .description("largest batch formed for the served model, from its load's timing of the batch sizes "
                        + "(0 = not timed: up to inference.max-batch-size)")
                .register(meters);
    }

    public Optional<ServedModel> current() {
        return Optional.ofNullable(current.get());
    }

    /** The served model, or {@link ModelNotReadyException}. */
    public ServedModel require() {
        ServedModel model = current.get();
        if (model == null) {
            throw new ModelNotReadyException(sourceDescription);
        }
        return model;
    }

    /** Wraps a loaded bundle as the next version, without serving it yet. */
    ServedModel prepare(ModelBundle bundle, ModelCandidate candidate) {
        return new ServedModel(versions.incrementAndGet(), bundle, candidate, clock.instant(), maxPixels, instances);
    }

    /** Serves {@code model} from now on; requests already running finish on the previous one. */
    void install(ServedModel model) {
        ServedModel previous = current.getAndSet(model);
        log.info("Serving model version {} ({} run {}, {}), replacing {}", model.version(), model.architecture(),
                model.runId(), model.candidate().key(),
                previous == null ? "nothing" : "version " + previous.version() + " (run " + previous.runId() + ")");
    }
}
