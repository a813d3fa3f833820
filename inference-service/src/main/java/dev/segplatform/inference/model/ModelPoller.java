package dev.segplatform.inference.model;

import dev.segplatform.core.bundle.ModelBundle;
import dev.segplatform.core.runtime.OpenMpThreads;
import dev.segplatform.experiment.client.ExperimentApiException;
import dev.segplatform.experiment.client.ExperimentUnavailableException;
import dev.segplatform.inference.InferenceProperties;
import dev.segplatform.inference.batching.DynamicBatcher;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.scheduling.annotation.SchedulingConfigurer;
import org.springframework.scheduling.config.FixedDelayTask;
import org.springframework.scheduling.config.ScheduledTaskRegistrar;
import org.springframework.stereotype.Component;

/**
 * Looks for a new model every {@code inference.poll-interval}, starting at once. The source's
 * candidates are read best first; the first that is already served ends the poll, and the first
 * new one that can be downloaded, verified, loaded and warmed up beside the served model (a pass
 * of each copy, then its batch sizes timed: {@link BatchProfile}) is swapped in, so the first
 * requests on it are as fast as any.
 *
 * <p>A candidate that cannot be loaded (not a zip, sha256 mismatch, unknown architecture, download
 * failure) is logged, remembered by its key (run and sha256, or file, time and size) and skipped
 * for the next one: a corrupt best run must not leave a restarted instance with nothing to serve,
 * nor be downloaded again every poll. Bad bytes are remembered until the key changes; a download
 * that failed for a passing reason is tried again after {@code inference.candidate-retry}.
 *
 * <p>A model whose batch sizes were timed beside requests (a swap under load: the old model's
 * passes and the requests' decoding take the cores from the timed passes, and in a trial some sizes
 * came out 30% slow) is timed again at the first poll that finds the service quiet since the poll
 * before, and again later if a request disturbed that timing too. A service that is never quiet
 * for a poll interval keeps the limit its load found.
 */
@Component
class ModelPoller implements SchedulingConfigurer {

    private static final Logger log = LoggerFactory.getLogger(ModelPoller.class);
    /** Enough for any real ranking; bounds the memory if keys keep changing. */
    private static final int MAX_REMEMBERED = 1000;

    /** Why a candidate was skipped, and until when ({@link Instant#MAX} for bad bytes). */
    record Failure(String reason, Instant retryAt) {
    }

    private final ModelSource source;
    private final ModelHolder holder;
    private final Duration interval;
    private final Duration retry;
    /** The batch workers' OpenMP threads, which the warm-up pass runs with (0: ND4J's default). */
    private final int workerThreads;
    /** The batcher's maximum, up to which a load times the model's batch sizes; 0 when it does not. */
    private final int profiledBatches;
    private final MeterRegistry meters;
    private final DynamicBatcher batcher;
    /** The batcher's arrivals when the last poll ended: unchanged at the next one means a quiet interval. */
    private long arrivalsAtLastPoll = -1;
    private final Clock clock = Clock.systemUTC();
    // Its own lock, not the poller's: health checks read it while a poll may spend seconds loading.
    private final Map<String, Failure> failed = Collections.synchronizedMap(new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Failure> eldest) {
            return size() > MAX_REMEMBERED;
        }
    });
    private String lastProblem;

    ModelPoller(ModelSource source, ModelHolder holder, InferenceProperties properties, MeterRegistry meters,
            DynamicBatcher batcher) {
        this.source = source;
        this.holder = holder;
        this.interval = properties.pollInterval();
        this.retry = properties.candidateRetry();
        this.workerThreads = properties.threadsPerInstance();
        this.profiledBatches = properties.profileBatchSizes() && properties.maxBatchSize() > 1
                ? properties.maxBatchSize() : 0;
        this.meters = meters;
        this.batcher = batcher;
    }

    @Override
    public void configureTasks(ScheduledTaskRegistrar registrar) {
        log.info("Model source: {}; polling every {}", source.describe(), interval);
        registrar.addFixedDelayTask(new FixedDelayTask(this::poll, interval, Duration.ZERO));
    }

    /** One look at the source, then the served model's batch sizes timed again if due; never throws, so the schedule goes on. */
    synchronized void poll() {
        lookForModel();
        retimeIfQuiet();
        arrivalsAtLastPoll = batcher.arrivals();
    }

    private void lookForModel() {
        Optional<ServedModel> served = holder.current();
        String servedKey = served.map(m -> m.candidate().key()).orElse(null);
        int skipped = 0;
        try (Stream<ModelCandidate> candidates = source.candidates()) {
            Iterator<ModelCandidate> it = candidates.iterator();
            while (it.hasNext()) {
                ModelCandidate next = it.next();
                if (next.key().equals(servedKey)) {
                    // Nothing better can be loaded: the one served is the best that can.
                    return;
                }
                Failure failure = failed.get(next.key());
                if (failure != null && clock.instant().isBefore(failure.retryAt())) {
                    skipped++;
                    continue;
                }
                if (load(next, served)) {
                    return;
                }
                skipped++;
            }
        } catch (Exception e) {
            warnOnce("cannot ask " + source.describe() + ": " + e.getMessage());
            return;
        }
        if (served.isEmpty()) {
            warnOnce(skipped == 0 ? "no model to serve yet from " + source.describe()
                    : "none of the " + skipped + " candidates from " + source.describe() + " can be loaded");
        }
    }

    /** Loads, warms up and installs one candidate; false (and remembered) when it cannot be. */
    private boolean load(ModelCandidate next, Optional<ServedModel> served) {
        long start = System.nanoTime();
        try {
            ModelBundle bundle = source.load(next);
            ServedModel model = holder.prepare(bundle, next);
            warmUp(model);
            holder.install(model);
            failed.remove(next.key());
            lastProblem = null;
            meters.counter("inference.model.loads", "outcome", "success").increment();
            log.info("Loaded {} in {} ms", next.key(), (System.nanoTime() - start) / 1_000_000);
            return true;
        } catch (Exception | OutOfMemoryError e) {
            boolean passing = e instanceof ExperimentUnavailableException
                    || e instanceof ExperimentApiException api && api.isRetryable();
            Instant retryAt = passing ? clock.instant().plus(retry) : Instant.MAX;
            failed.put(next.key(), new Failure(String.valueOf(e.getMessage()), retryAt));
            meters.counter("inference.model.loads", "outcome", "failure").increment();
            log.error("Cannot load {}; skipping it {} for the next candidate ({})", next.key(),
                    passing ? "until " + retryAt : "until its bundle changes",
                    served.map(m -> "version " + m.version() + " is served meanwhile").orElse("nothing served yet"), e);
            return false;
        }
    }

    /**
     * One pass of each copy, on the thread count its worker runs with: the pass builds the copy's
     * convolutions for that count (oneDNN fixes it then), so the first lone request finds them built.
     * Then, unless switched off, copy 0 is timed at batch sizes up to the batcher's maximum
     * ({@link BatchProfile}), which sets the largest batch the batcher forms for this model.
     */
    private void warmUp(ServedModel model) {
        int s = model.inputSize();
        for (int instance = 0; instance < model.instances(); instance++) {
            int copy = instance;
            onWorkerThreads(() -> model.forward(copy, Nd4j.zeros(1, 3, s, s))).close();
        }
        if (profiledBatches > 0) {
            profile(model);
        }
    }

    /**
     * Times the batch sizes and sets the model's limit. A failure here (a batch of the configured
     * maximum that does not fit in memory, say) leaves the model unprofiled rather than unloadable:
     * without a profile it is served as it was before profiles existed, up to max-batch-size.
     */
    private void profile(ServedModel model) {
        int s = model.inputSize();
        try {
            long mark = batcher.arrivals();
            boolean quietBefore = batcher.quietSince(mark);
            BatchProfile profile = onWorkerThreads(() -> BatchProfile.measure(profiledBatches, b -> {
                try (INDArray input = Nd4j.rand(DataType.FLOAT, b, 3, s, s)) {
                    long start = System.nanoTime();
                    model.forward(0, input).close();
                    return System.nanoTime() - start;
                }
            }));
            boolean quiet = quietBefore && batcher.quietSince(mark);
            model.profiled(profile, quiet);
            meters.counter("inference.batch.profiles", "traffic", quiet ? "none" : "beside").increment();
            log.info("Batch sizes of version {} timed{}, images/s by size: {}; batches of at most {}", model.version(),
                    quiet ? "" : " beside requests (timed again once the service is quiet)", profile.bySize(),
                    profile.limit());
        } catch (RuntimeException | OutOfMemoryError e) {
            log.warn("Could not time the batch sizes of version {}; its batches go up to max-batch-size ({})",
                    model.version(), profiledBatches, e);
        }
    }

    /**
     * Times the served model's batch sizes again if they were timed beside requests and no request
     * has come since the last poll. The passes run beside the workers, as at a load, so a request
     * that arrives meanwhile shares the cores with them for the second or two they take, and makes
     * this timing one to repeat.
     */
    private void retimeIfQuiet() {
        if (profiledBatches == 0 || !batcher.quietSince(arrivalsAtLastPoll)) {
            return;
        }
        holder.current().filter(m -> m.batchProfile().isPresent() && !m.profileQuiet()).ifPresent(this::profile);
    }

    private <T> T onWorkerThreads(Supplier<T> work) {
        return workerThreads == 0 ? work.get() : OpenMpThreads.callWith(workerThreads, work);
    }

    /** The candidates skipped now, by key, for the health details. */
    Map<String, String> skipped() {
        Map<String, String> now = new LinkedHashMap<>();
        Instant t = clock.instant();
        synchronized (failed) {
            failed.forEach((key, f) -> {
                if (t.isBefore(f.retryAt())) {
                    now.put(key, f.reason());
                }
            });
        }
        return now;
    }

    private void warnOnce(String problem) {
        if (!problem.equals(lastProblem)) {
            log.warn("{}", problem);
            lastProblem = problem;
        }
    }
}
