package dev.segplatform.inference.batching;

import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gathers images from concurrent requests into one forward pass, as Triton's dynamic batcher does:
 * the first waiting image opens a batch, which closes when it holds {@code maxBatchSize} images or
 * {@code maxBatchDelay} has passed since it opened, whichever comes first. One worker thread runs
 * the batches, because a DL4J graph must not run two forward passes at once and ND4J already
 * spreads one pass over every core.
 *
 * <p>The queue is bounded by a count of images admitted and not yet answered (waiting or in a
 * forward pass). Admission is all-or-nothing per call, so a multi-image request is never half
 * queued; a full queue throws {@link QueueFullException} at once instead of making the caller wait.
 *
 * <p>A batch only ever holds images for the same {@link BatchModel}: during a model swap, requests
 * that started on the old model finish on it, and the new model's requests start a new batch.
 * Images whose future is already done (timed out) are skipped, not computed.
 */
public final class DynamicBatcher implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(DynamicBatcher.class);

    private final int maxBatchSize;
    private final long maxBatchDelayNanos;
    private final int capacity;
    private final Semaphore admitted;
    private final LinkedBlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
    private final Thread worker;
    private final DistributionSummary batchSizes;
    private final Timer forwardTimer;
    private volatile boolean running = true;
    /** An image taken from the queue that belongs to another model than the batch being filled. */
    private Pending carried;

    private record Pending(BatchModel model, INDArray input, CompletableFuture<INDArray> result) {
    }

    /**
     * @param maxBatchSize  images per forward pass at most; 1 means no batching
     * @param maxBatchDelay how long an open batch waits for more images
     * @param capacity      images admitted and unanswered at most
     * @param meters        where batch sizes, forward-pass times and queue depth are published
     */
    public DynamicBatcher(int maxBatchSize, Duration maxBatchDelay, int capacity, MeterRegistry meters) {
        if (maxBatchSize < 1 || capacity < 1 || maxBatchDelay.isNegative()) {
            throw new IllegalArgumentException("maxBatchSize and capacity must be positive and the delay not negative");
        }
        this.maxBatchSize = maxBatchSize;
        this.maxBatchDelayNanos = maxBatchDelay.toNanos();
        this.capacity = capacity;
        this.admitted = new Semaphore(capacity);
        this.batchSizes = DistributionSummary.builder("inference.batch.size")
                .description("images per forward pass")
                .serviceLevelObjectives(1, 2, 4, 8, 16, 32, 64)
                .register(meters);
        this.forwardTimer = Timer.builder("inference.batch.forward")
                .description("time of one batched forward pass")
                .publishPercentileHistogram()
                .register(meters);
        Gauge.builder("inference.queue.depth", this, DynamicBatcher::depth)
                .description("images waiting for or in a forward pass")
                .register(meters);
        this.worker = new Thread(this::work, "inference-batcher");
        this.worker.setDaemon(true);
        this.worker.start();
    }

    /**
     * Queues one input {@code [1, ...]}; the future completes with its output {@code [1, ...]}, or
     * fails after {@code timeout} ({@link #await} turns that into {@link InferenceTimeoutException}).
     *
     * @throws QueueFullException if the queue is at capacity
     */
    public CompletableFuture<INDArray> submit(BatchModel model, INDArray input, Duration timeout) {
        return submitAll(model, List.of(input), timeout).get(0);
    }

    /** Queues several inputs, all or none (see {@link #submit}). */
    public List<CompletableFuture<INDArray>> submitAll(BatchModel model, List<INDArray> inputs, Duration timeout) {
        if (!running) {
            throw new IllegalStateException("the batcher is closed");
        }
        if (!admitted.tryAcquire(inputs.size())) {
            throw new QueueFullException(inputs.size(), capacity);
        }
        List<CompletableFuture<INDArray>> futures = new ArrayList<>(inputs.size());
        for (INDArray input : inputs) {
            // orTimeout cancels its timer when the future completes, so answered images leave nothing behind.
            CompletableFuture<INDArray> future = new CompletableFuture<INDArray>().orTimeout(timeout.toNanos(),
                    TimeUnit.NANOSECONDS);
            futures.add(future);
            queue.add(new Pending(model, input, future));
        }
        return futures;
    }

    /**
     * Waits for a submitted image's output, rethrowing the batcher's exceptions as they are.
     *
     * @throws InferenceTimeoutException if the image's timeout passed first
     */
    public static INDArray await(CompletableFuture<INDArray> future) {
        try {
            return future.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof TimeoutException) {
                throw new InferenceTimeoutException();
            }
            if (e.getCause() instanceof RuntimeException cause) {
                throw cause;
            }
            throw e;
        }
    }

    /** Images admitted and not yet answered. */
    public int depth() {
        return capacity - admitted.availablePermits();
    }

    public int maxBatchSize() {
        return maxBatchSize;
    }

    private void work() {
        while (running) {
            List<Pending> batch;
            try {
                batch = collect();
            } catch (InterruptedException e) {
                break;
            }
            List<Pending> live = batch.stream().filter(p -> !p.result().isDone()).toList();
            List<INDArray> outputs = null;
            Throwable failure = null;
            try {
                outputs = live.isEmpty() ? List.of() : run(live);
            } catch (RuntimeException | Error e) {
                // A failed pass fails its images, never the worker.
                log.error("Forward pass over {} images failed", live.size(), e);
                failure = e;
            } finally {
                // Released before the answers go out, so a caller that got its answer sees the room it left.
                admitted.release(batch.size());
            }
            for (int i = 0; i < live.size(); i++) {
                if (failure != null) {
                    live.get(i).result().completeExceptionally(failure);
                } else {
                    live.get(i).result().complete(outputs.get(i));
                }
            }
        }
        drainOnClose();
    }

    private List<Pending> collect() throws InterruptedException {
        Pending first = carried != null ? carried : queue.take();
        carried = null;
        List<Pending> batch = new ArrayList<>(maxBatchSize);
        batch.add(first);
        long deadline = System.nanoTime() + maxBatchDelayNanos;
        while (batch.size() < maxBatchSize) {
            long wait = deadline - System.nanoTime();
            Pending next = wait > 0 ? queue.poll(wait, TimeUnit.NANOSECONDS) : queue.poll();
            if (next == null) {
                break;
            }
            if (next.model() != first.model()) {
                carried = next;
                break;
            }
            batch.add(next);
        }
        return batch;
    }

    /** One forward pass over images of one model; the output of each, in order. */
    private List<INDArray> run(List<Pending> live) {
        INDArray stacked = live.size() == 1 ? live.get(0).input()
                : Nd4j.concat(0, live.stream().map(Pending::input).toArray(INDArray[]::new));
        long start = System.nanoTime();
        INDArray out = live.get(0).model().forward(stacked);
        forwardTimer.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
        batchSizes.record(live.size());
        List<INDArray> outputs = new ArrayList<>(live.size());
        for (int i = 0; i < live.size(); i++) {
            outputs.add(live.size() == 1 ? out : out.get(NDArrayIndex.interval(i, i + 1)).dup());
        }
        if (live.size() > 1) {
            // Freed now, not at some later garbage collection: native memory reused at once costs
            // no fresh pages (1.2 ms per 3 MB allocation otherwise, see Predictor#probabilities).
            stacked.close();
            out.close();
        }
        return outputs;
    }

    private void drainOnClose() {
        IllegalStateException closed = new IllegalStateException("the inference service is shutting down");
        if (carried != null) {
            carried.result().completeExceptionally(closed);
        }
        for (Pending p; (p = queue.poll()) != null; ) {
            p.result().completeExceptionally(closed);
        }
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        worker.interrupt();
        worker.join(10_000);
    }
}
