package dev.segplatform.inference.batching;

import dev.segplatform.core.predict.Batches;
import dev.segplatform.core.runtime.OpenMpThreads;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gathers images from concurrent requests into one forward pass, as Triton's dynamic batcher does,
 * without ever making a lone request wait for company that is not coming. Each of {@code instances}
 * worker threads runs batches on a model copy of its own (Triton's instance group), because a DL4J
 * graph must not run two forward passes at once.
 *
 * <p>Why several copies with few threads each rather than one pass spread over every core: ND4J
 * splits each op of a pass evenly over its OpenMP threads, which meet at a barrier after every op,
 * so a pass over both cores of a 2-core machine ran 1.3x slower than two single-threaded passes
 * side by side, and any request thread that took a core stalled the whole pass (a thread decoding
 * PNGs beside it cut it to a quarter). A single-threaded pass only loses the core time others
 * take. {@code threadsPerInstance} is set on each worker thread (OpenMP's thread count is a
 * per-thread setting), so request threads and other workers are left as they are.
 *
 * <p>The rule: when a copy becomes free, its worker takes what is already waiting and runs it at
 * once, up to {@code maxBatchSize} images, or the model's {@link BatchModel#batchLimit} if lower,
 * and no more than its share: the images in the service (waiting, in passes, or in requests
 * announced) over the copies. Images arriving while a pass runs wait in the queue, so a busy model
 * is what forms batches. The worker delays a batch below its share only while company is expected:
 * while requests are known to be on the way (a request {@linkplain #announce announces} itself
 * before it decodes its images) or while another copy is in a pass (whose requests come back
 * answered). It waits at most {@code maxBatchDelay}, and stops as soon as neither holds. A request
 * that arrives alone at an idle model therefore runs at once, whatever the delay is set to.
 *
 * <p>The queue is bounded by a count of images admitted and not yet answered (waiting or in a
 * forward pass). Admission is all-or-nothing per call, so a multi-image request is never half
 * queued; a full queue throws {@link BatcherFullException} at once instead of making the caller wait.
 *
 * <p>A batch only ever holds images for the same {@link BatchModel}: during a model swap, requests
 * that started on the old model finish on it, and the new model's requests start a new batch (the
 * old model's batch stops waiting when the head of the queue belongs to another model). Images
 * whose future is already done (timed out) are dropped, not computed.
 */
public final class DynamicBatcher implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(DynamicBatcher.class);

    private final int maxBatchSize;
    private final long maxBatchDelayNanos;
    private final int capacity;
    private final Semaphore admitted;
    private final ReentrantLock lock = new ReentrantLock();
    /** Signalled when an image is queued or an announced request arrives or withdraws. */
    private final Condition changed = lock.newCondition();
    /** Guarded by {@link #lock}. */
    private final ArrayDeque<Pending> queue = new ArrayDeque<>();
    /** Requests announced and neither queued nor withdrawn yet; guarded by {@link #lock}. */
    private int announced;
    /** True while a worker is forming a batch (guarded by {@link #lock}). */
    private boolean forming;
    /** Workers between taking a batch and answering it; guarded by {@link #lock}. */
    private int passing;
    /** Requests announced and calls submitting, since the start; guarded by {@link #lock}. */
    private long arrivals;
    private final List<Thread> workers;
    private final int threadsPerInstance;
    private final DistributionSummary batchSizes;
    private final Counter waits;
    private final Timer forwardTimer;
    /** Batches run, by size (index 0 unused): what the benchmark compares with the raw forward pass. */
    private final AtomicLongArray bySize;
    private volatile boolean running = true;

    private record Pending(BatchModel model, INDArray input, CompletableFuture<INDArray> result) {
    }

    /**
     * A request on its way to the batcher: announced before its images are decoded, so that a batch
     * forming meanwhile may wait for them. Submit through it, or close it to withdraw (a request
     * that failed before submitting); closing after submitting does nothing.
     */
    public final class Arrival implements AutoCloseable {

        private boolean settled;

        private Arrival() {
        }

        /** {@link DynamicBatcher#submitAll}, ending the announcement whether or not the queue admits the images. */
        public List<CompletableFuture<INDArray>> submitAll(BatchModel model, List<INDArray> inputs, Duration timeout) {
            if (settled) {
                throw new IllegalStateException("this arrival already submitted or withdrew");
            }
            settled = true;
            return enqueue(model, inputs, timeout, true);
        }

        @Override
        public void close() {
            if (!settled) {
                settled = true;
                lock.lock();
                try {
                    announced--;
                    changed.signalAll();
                } finally {
                    lock.unlock();
                }
            }
        }
    }

    /** One worker, its passes on as many threads as ND4J gives a thread by default. */
    public DynamicBatcher(int maxBatchSize, Duration maxBatchDelay, int capacity, MeterRegistry meters) {
        this(maxBatchSize, maxBatchDelay, capacity, 1, 0, meters);
    }

    /**
     * @param maxBatchSize       images per forward pass at most; 1 means no batching
     * @param maxBatchDelay      how long a batch that is not full may wait for announced requests
     * @param capacity           images admitted and unanswered at most
     * @param instances          worker threads, each calling {@link BatchModel#forward} with its own index
     * @param threadsPerInstance OpenMP threads of each worker's passes; 0 leaves ND4J's default
     * @param meters             where batch sizes, waits, forward-pass times and queue depth are published
     */
    public DynamicBatcher(int maxBatchSize, Duration maxBatchDelay, int capacity, int instances, int threadsPerInstance,
            MeterRegistry meters) {
        if (maxBatchSize < 1 || capacity < 1 || maxBatchDelay.isNegative() || instances < 1 || threadsPerInstance < 0) {
            throw new IllegalArgumentException("maxBatchSize, capacity and instances must be positive, the threads "
                    + "per instance and the delay not negative");
        }
        this.threadsPerInstance = threadsPerInstance;
        this.maxBatchSize = maxBatchSize;
        this.maxBatchDelayNanos = maxBatchDelay.toNanos();
        this.capacity = capacity;
        this.admitted = new Semaphore(capacity);
        this.bySize = new AtomicLongArray(maxBatchSize + 1);
        this.batchSizes = DistributionSummary.builder("inference.batch.size")
                .description("images per forward pass")
                .serviceLevelObjectives(1, 2, 4, 8, 16, 32, 64)
                .register(meters);
        this.waits = Counter.builder("inference.batch.waits")
                .description("batches held back for requests announced and not yet queued")
                .register(meters);
        this.forwardTimer = Timer.builder("inference.batch.forward")
                .description("time of one batched forward pass")
                .publishPercentileHistogram()
                .register(meters);
        Gauge.builder("inference.queue.depth", this, DynamicBatcher::depth)
                .description("images waiting for or in a forward pass")
                .register(meters);
        List<Thread> threads = new ArrayList<>(instances);
        for (int i = 0; i < instances; i++) {
            int instance = i;
            Thread worker = new Thread(() -> work(instance), "inference-batcher-" + i);
            worker.setDaemon(true);
            threads.add(worker);
        }
        this.workers = List.copyOf(threads);
        workers.forEach(Thread::start);
    }

    /** How many model copies the workers run: {@link BatchModel#forward}'s instances are 0 to this, exclusive. */
    public int instances() {
        return workers.size();
    }

    /**
     * Announces a request that will submit soon: until it submits or closes the arrival, a batch
     * that is not full may wait for it (at most the batch delay).
     */
    public Arrival announce() {
        lock.lock();
        try {
            announced++;
            arrivals++;
        } finally {
            lock.unlock();
        }
        return new Arrival();
    }

    /**
     * Queues one input {@code [1, ...]}; the future completes with its output {@code [1, ...]}, or
     * fails after {@code timeout} ({@link #await} turns that into {@link InferenceTimeoutException}).
     *
     * @throws BatcherFullException if the queue is at capacity
     */
    public CompletableFuture<INDArray> submit(BatchModel model, INDArray input, Duration timeout) {
        return submitAll(model, List.of(input), timeout).get(0);
    }

    /** Queues several inputs, all or none (see {@link #submit}), without an announcement. */
    public List<CompletableFuture<INDArray>> submitAll(BatchModel model, List<INDArray> inputs, Duration timeout) {
        return enqueue(model, inputs, timeout, false);
    }

    private List<CompletableFuture<INDArray>> enqueue(BatchModel model, List<INDArray> inputs, Duration timeout,
            boolean announcedBefore) {
        List<CompletableFuture<INDArray>> futures = new ArrayList<>(inputs.size());
        boolean admit = running && admitted.tryAcquire(inputs.size());
        lock.lock();
        try {
            if (announcedBefore) {
                announced--;
            } else {
                arrivals++;
            }
            if (admit) {
                for (INDArray input : inputs) {
                    // orTimeout cancels its timer when the future completes, so answered images leave nothing behind.
                    CompletableFuture<INDArray> future = new CompletableFuture<INDArray>().orTimeout(timeout.toNanos(),
                            TimeUnit.NANOSECONDS);
                    futures.add(future);
                    queue.add(new Pending(model, input, future));
                }
            }
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        if (!admit) {
            if (!running) {
                throw new IllegalStateException("the batcher is closed");
            }
            throw new BatcherFullException(inputs.size(), capacity);
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

    /**
     * Frees an input once its output arrived, or an output once it was read, if the array owns its
     * memory. Left to the garbage collector, the next request's arrays of the same size come from
     * fresh pages: ND4J zero-fills every new buffer, and on this machine the page faults of that
     * fill took 1.3% of the service's CPU at concurrency 8, beside 1.8% for the fill itself.
     */
    public static void release(INDArray array) {
        if (array != null && array.closeable()) {
            array.close();
        }
    }

    /** A mark of the traffic so far, for {@link #quietSince}: it grows with every request that arrives. */
    public long arrivals() {
        lock.lock();
        try {
            return arrivals;
        } finally {
            lock.unlock();
        }
    }

    /**
     * True when no request arrived after {@code mark} (an earlier {@link #arrivals}) and none is in
     * the batcher now: none announced, and no image admitted and unanswered (queued, in a batch
     * forming or in a pass). Work timed between two such answers for the same mark shared the
     * machine with no request.
     */
    public boolean quietSince(long mark) {
        lock.lock();
        try {
            return arrivals == mark && announced == 0 && depth() == 0;
        } finally {
            lock.unlock();
        }
    }

    /** Images admitted and not yet answered. */
    public int depth() {
        return capacity - admitted.availablePermits();
    }

    public int maxBatchSize() {
        return maxBatchSize;
    }

    /** How many batches of each size ran so far: element {@code b} counts batches of {@code b} images. */
    public long[] batchesBySize() {
        long[] counts = new long[bySize.length()];
        for (int i = 0; i < counts.length; i++) {
            counts[i] = bySize.get(i);
        }
        return counts;
    }

    private void work(int instance) {
        limitThreads();
        while (running) {
            List<Pending> batch;
            try {
                batch = collect();
            } catch (InterruptedException e) {
                break;
            }
            // Images that timed out while the batch waited are not computed.
            List<Pending> live = batch.stream().filter(p -> !p.result().isDone()).toList();
            List<INDArray> outputs = null;
            Throwable failure = null;
            try {
                outputs = live.isEmpty() ? List.of() : run(instance, live);
            } catch (RuntimeException | Error e) {
                // A failed pass fails its images, never the worker.
                log.error("Forward pass over {} images failed", live.size(), e);
                failure = e;
            } finally {
                // Released before the answers go out, so a caller that got its answer sees the room it left.
                admitted.release(batch.size());
                passed();
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

    /** Sets this worker thread's OpenMP thread count; a worker that cannot still runs, on ND4J's default. */
    private void limitThreads() {
        if (threadsPerInstance == 0) {
            return;
        }
        try {
            OpenMpThreads.setForThisThread(threadsPerInstance);
        } catch (RuntimeException | LinkageError e) {
            log.warn("A batch worker could not set its OpenMP threads to {}; its passes use ND4J's default",
                    threadsPerInstance, e);
        }
    }

    /**
     * The next batch: whatever of one model is waiting now, up to its {@linkplain #cap cap}, then,
     * while it is below the cap and {@linkplain #companyExpected company is expected}, whatever
     * arrives within the delay.
     */
    private List<Pending> collect() throws InterruptedException {
        List<Pending> batch = new ArrayList<>(maxBatchSize);
        lock.lockInterruptibly();
        boolean formingHere = false;
        try {
            // One batch forms at a time, as in Triton, whose scheduler hands each batch formed to the
            // next free instance: a free worker waits while another one holds a batch for company,
            // so that arrivals join that batch instead of starting a second, smaller one.
            while (forming) {
                changed.await();
            }
            forming = true;
            formingHere = true;
            BatchModel model = null;
            while (batch.isEmpty()) {
                while (queue.isEmpty()) {
                    changed.await();
                }
                model = queue.peek().model();
                take(batch, model);
            }
            if (batch.size() < cap(model) && companyExpected() && maxBatchDelayNanos > 0 && headIs(model)) {
                waits.increment();
                long left = maxBatchDelayNanos;
                while (batch.size() < cap(model) && companyExpected() && left > 0 && headIs(model)) {
                    left = changed.awaitNanos(left);
                    take(batch, model);
                }
            }
            passing++;
        } finally {
            if (formingHere) {
                forming = false;
                changed.signalAll();
            }
            lock.unlock();
        }
        return batch;
    }

    /**
     * Whether a batch below its share may wait: while requests are announced (on their way), or
     * while another copy is in a pass (its requests come back once answered, and its core is busy
     * meanwhile). A lone request at an idle model meets neither. With the second clause the
     * batches at concurrency 8 grew and the service's CPU per request fell (5.7-5.9 ms against
     * 6.1-6.2 with the share alone, at max batch 4, in the last two of three rounds).
     */
    private boolean companyExpected() {
        return announced > 0 || passing > 0;
    }

    /** A worker's batch is answered: a batch waiting for company because of it may stop waiting. */
    private void passed() {
        lock.lock();
        try {
            passing--;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * The most images the batch forming now may hold: the batcher's maximum or the model's own limit,
     * whichever is lower, and no more than this copy's share of the images in the service (waiting,
     * in a pass or in announced requests, over the copies). Without the share, a copy that came
     * free took everything waiting while the other copy's batch was still running, which left the
     * other copy little: at concurrency 8 with two copies and a limit of 4, a quarter of the
     * batches were single images. With it, eight requests run as two batches of four, and
     * thirty-two as two batches at the limit.
     */
    private int cap(BatchModel model) {
        int share = (depth() + announced + workers.size() - 1) / workers.size();
        return Math.max(1, Math.min(Math.min(maxBatchSize, model.batchLimit()), share));
    }

    /** True when nothing waits or the next image is the batch's model's: another model's image ends the wait. */
    private boolean headIs(BatchModel model) {
        return queue.isEmpty() || queue.peek().model() == model;
    }

    /** Moves waiting images of {@code model} into the batch, from the head, dropping timed-out ones. */
    private void take(List<Pending> batch, BatchModel model) {
        int cap = cap(model);
        while (batch.size() < cap && !queue.isEmpty() && queue.peek().model() == model) {
            Pending next = queue.poll();
            if (next.result().isDone()) {
                admitted.release();
            } else {
                batch.add(next);
            }
        }
    }

    /** One forward pass over images of one model; the output of each, in order. */
    private List<INDArray> run(int instance, List<Pending> batch) {
        INDArray stacked = batch.size() == 1 ? batch.get(0).input()
                : Batches.stack(batch.stream().map(Pending::input).toList());
        long start = System.nanoTime();
        INDArray out = batch.get(0).model().forward(instance, stacked);
        forwardTimer.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
        batchSizes.record(batch.size());
        bySize.incrementAndGet(batch.size());
        if (batch.size() == 1) {
            return List.of(out);
        }
        List<INDArray> outputs = Batches.split(out, batch.size());
        // Freed now, not at some later garbage collection: native memory reused at once costs
        // no fresh pages (see Predictor#probabilities).
        stacked.close();
        out.close();
        return outputs;
    }

    private void drainOnClose() {
        IllegalStateException closed = new IllegalStateException("the inference service is shutting down");
        lock.lock();
        try {
            for (Pending p; (p = queue.poll()) != null; ) {
                p.result().completeExceptionally(closed);
            }
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        workers.forEach(Thread::interrupt);
        for (Thread worker : workers) {
            worker.join(10_000);
        }
    }
}
