package dev.segplatform.inference.batching;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.segplatform.core.model.kernel.FloatArrays;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The batcher with stand-in models that record their batches: no weights, no HTTP. Behaviour is
 * asserted on the batches formed and the counters, never on timings: a wait that should not
 * happen is set to an hour, so it would fail the ten-second image timeout instead.
 */
class DynamicBatcherTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private DynamicBatcher batcher;

    private double waits() {
        return meters.get("inference.batch.waits").counter().count();
    }

    /** Until the worker holds a batch back for announced requests (it counts the wait as it starts). */
    private void awaitWaiting() {
        awaitWaits(1);
    }

    /** Until the workers have held back {@code count} batches in all. */
    private void awaitWaits(int count) {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (waits() < count) {
            assertThat(System.nanoTime()).as("%d batches held back", count).isLessThan(deadline);
            Thread.onSpinWait();
        }
    }

    /** Doubles its input and records each batch's first values, optionally held at a latch. */
    static final class Recording implements BatchModel {
        final List<List<Float>> batches = Collections.synchronizedList(new ArrayList<>());
        final CountDownLatch entered = new CountDownLatch(1);
        volatile CountDownLatch gate;

        /** Which copy ran each batch, in the order the batches started. */
        final List<Integer> instances = Collections.synchronizedList(new ArrayList<>());
        /** One permit per batch started. */
        final Semaphore started = new Semaphore(0);
        volatile int batchLimit = Integer.MAX_VALUE;
        /** Batches whose first image has one of these values wait at its latch. */
        final Map<Float, CountDownLatch> holds = new ConcurrentHashMap<>();

        @Override
        public int batchLimit() {
            return batchLimit;
        }

        @Override
        public INDArray forward(int instance, INDArray batch) {
            List<Float> firsts = new ArrayList<>();
            for (int i = 0; i < batch.size(0); i++) {
                firsts.add(batch.getFloat(i, 0));
            }
            batches.add(firsts);
            instances.add(instance);
            entered.countDown();
            started.release();
            CountDownLatch hold = holds.getOrDefault(firsts.get(0), gate);
            if (hold != null) {
                try {
                    hold.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return batch.mul(2);
        }
    }

    private static INDArray input(float value) {
        return Nd4j.valueArrayOf(new long[] {1, 2}, value);
    }

    /** Submits {@code value} and returns once {@code model} runs it, held at its gate until released. */
    private CompletableFuture<INDArray> occupy(Recording model, float value) throws InterruptedException {
        model.gate = new CountDownLatch(1);
        CompletableFuture<INDArray> running = batcher.submit(model, input(value), TIMEOUT);
        assertThat(model.entered.await(5, TimeUnit.SECONDS)).isTrue();
        return running;
    }

    /** Image 9 occupies the model while images 1 to 5 queue; then each gets its own output. */
    private void fiveArriveWhileBusy(Recording model) throws InterruptedException {
        CompletableFuture<INDArray> running = occupy(model, 9);
        List<CompletableFuture<INDArray>> futures = new ArrayList<>();
        for (int i = 1; i <= 5; i++) {
            futures.add(batcher.submit(model, input(i), TIMEOUT));
        }
        model.gate.countDown();
        DynamicBatcher.await(running);
        for (int i = 0; i < 5; i++) {
            assertThat(DynamicBatcher.await(futures.get(i)).getFloat(0, 1)).isEqualTo(2f * (i + 1));
        }
    }

    @AfterEach
    void close() throws InterruptedException {
        batcher.close();
    }

    @Test
    void imagesArrivingWhileTheModelIsBusyShareTheNextPassAndGetTheirOwnOutputs() throws InterruptedException {
        batcher = new DynamicBatcher(4, Duration.ZERO, 16, meters);
        Recording model = new Recording();
        fiveArriveWhileBusy(model);
        // Everything that waited went at once when the model became free, up to the maximum.
        assertThat(model.batches).containsExactly(List.of(9f), List.of(1f, 2f, 3f, 4f), List.of(5f));
        assertThat(batcher.batchesBySize()).containsExactly(0, 2, 0, 0, 1);
        assertThat(meters.get("inference.batch.size").summary().max()).isEqualTo(4);
        assertThat(waits()).as("nothing was announced, so no batch waited").isZero();
        assertThat(batcher.depth()).isZero();
    }

    @Test
    void quietMeansNoArrivalSinceTheMarkAndNoRequestInTheBatcher() throws InterruptedException {
        batcher = new DynamicBatcher(4, Duration.ZERO, 16, meters);
        Recording model = new Recording();
        long start = batcher.arrivals();
        assertThat(batcher.quietSince(start)).as("workers waiting for work").isTrue();
        DynamicBatcher.Arrival arrival = batcher.announce();
        long announced = batcher.arrivals();
        assertThat(announced).isGreaterThan(start);
        assertThat(batcher.quietSince(start)).as("a request arrived after the mark").isFalse();
        assertThat(batcher.quietSince(announced)).as("a request announced, decoding").isFalse();
        arrival.close();
        assertThat(batcher.quietSince(announced)).as("withdrawn, and nothing arrived since").isTrue();

        CompletableFuture<INDArray> running = occupy(model, 9);
        long submitted = batcher.arrivals();
        assertThat(submitted).as("a submit without an announcement counts too").isGreaterThan(announced);
        assertThat(batcher.quietSince(submitted)).as("an image in a pass").isFalse();
        model.gate.countDown();
        DynamicBatcher.await(running);
        assertThat(batcher.quietSince(submitted)).as("answered, and nothing arrived since").isTrue();
        assertThat(batcher.quietSince(announced)).isFalse();
    }

    @Test
    void aModelsOwnBatchLimitCapsItsBatchesBelowTheBatchersMaximum() throws InterruptedException {
        batcher = new DynamicBatcher(4, Duration.ZERO, 16, meters);
        Recording model = new Recording();
        model.batchLimit = 2;
        fiveArriveWhileBusy(model);
        assertThat(model.batches).containsExactly(List.of(9f), List.of(1f, 2f), List.of(3f, 4f), List.of(5f));
    }

    @Test
    void inputsThatAreNotDenseFloatArraysAreStackedAndSplitToo() throws InterruptedException {
        // Dense float inputs are copied in bulk; doubles and strided views take ND4J's concat and dup.
        batcher = new DynamicBatcher(4, Duration.ZERO, 16, meters);
        Recording model = new Recording();
        CompletableFuture<INDArray> running = occupy(model, 9);
        INDArray strided = Nd4j.create(new float[] {1, 7, 2, 8}, new long[] {1, 4})
                .get(NDArrayIndex.all(), NDArrayIndex.interval(0, 2, 4));
        assertThat(FloatArrays.isDense(strided)).isFalse();
        List<CompletableFuture<INDArray>> futures = List.of(
                batcher.submit(model, input(3).castTo(DataType.DOUBLE), TIMEOUT),
                batcher.submit(model, input(4).castTo(DataType.DOUBLE), TIMEOUT));
        model.gate.countDown();
        DynamicBatcher.await(running);
        assertThat(DynamicBatcher.await(futures.get(0)).getDouble(0, 1)).isEqualTo(6.0);
        assertThat(DynamicBatcher.await(futures.get(1)).getDouble(0, 1)).isEqualTo(8.0);
        assertThat(model.batches).containsExactly(List.of(9f), List.of(3f, 4f));

        Recording mixed = new Recording();
        CompletableFuture<INDArray> second = occupy(mixed, 5);
        CompletableFuture<INDArray> view = batcher.submit(mixed, strided, TIMEOUT);
        CompletableFuture<INDArray> dense = batcher.submit(mixed, input(6), TIMEOUT);
        mixed.gate.countDown();
        DynamicBatcher.await(second);
        assertThat(DynamicBatcher.await(view).getFloat(0, 1)).isEqualTo(4f);
        assertThat(DynamicBatcher.await(dense).getFloat(0, 1)).isEqualTo(12f);
        assertThat(mixed.batches).containsExactly(List.of(5f), List.of(1f, 6f));
    }

    @Test
    void twoInstancesRunTwoBatchesAtOnceEachOnItsOwnCopy() throws InterruptedException {
        batcher = new DynamicBatcher(4, Duration.ZERO, 16, 2, 1, meters);
        Recording model = new Recording();
        model.gate = new CountDownLatch(1);
        CompletableFuture<INDArray> first = batcher.submit(model, input(1), TIMEOUT);
        assertThat(model.started.tryAcquire(5, TimeUnit.SECONDS)).isTrue();
        // The first pass is held at the gate; with one worker the second could not start before it ends.
        CompletableFuture<INDArray> second = batcher.submit(model, input(2), TIMEOUT);
        assertThat(model.started.tryAcquire(5, TimeUnit.SECONDS)).as("a second pass beside the held one").isTrue();
        assertThat(model.instances).containsExactlyInAnyOrder(0, 1);
        // Queued while both copies are busy: these wait for a free copy (one pass or two, as the
        // two held passes end together or not; the share tests below pin the rule down).
        CompletableFuture<INDArray> third = batcher.submit(model, input(3), TIMEOUT);
        CompletableFuture<INDArray> fourth = batcher.submit(model, input(4), TIMEOUT);
        model.gate.countDown();
        assertThat(DynamicBatcher.await(first).getFloat(0, 1)).isEqualTo(2f);
        assertThat(DynamicBatcher.await(second).getFloat(0, 1)).isEqualTo(4f);
        assertThat(DynamicBatcher.await(third).getFloat(0, 1)).isEqualTo(6f);
        assertThat(DynamicBatcher.await(fourth).getFloat(0, 1)).isEqualTo(8f);
        assertThat(model.batches.stream().flatMap(List::stream)).containsExactlyInAnyOrder(1f, 2f, 3f, 4f);
        assertThat(batcher.instances()).isEqualTo(2);
        assertThat(batcher.depth()).isZero();
    }

    @Test
    void aFreeCopyTakesOnlyItsShareOfTheImagesInTheService() throws InterruptedException {
        batcher = new DynamicBatcher(8, Duration.ZERO, 16, 2, 0, meters);
        Recording model = new Recording();
        CountDownLatch held = new CountDownLatch(1);
        model.holds.put(9f, held);
        CompletableFuture<INDArray> running = batcher.submit(model, input(9), TIMEOUT);
        assertThat(model.started.tryAcquire(5, TimeUnit.SECONDS)).isTrue();
        // Seven images in the service (one in the held pass, six queued at once): the free copy takes
        // four, not all six, and then two of the three left, leaving the held copy its share.
        List<CompletableFuture<INDArray>> six = batcher.submitAll(model,
                List.of(input(1), input(2), input(3), input(4), input(5), input(6)), TIMEOUT);
        for (int i = 0; i < 6; i++) {
            assertThat(DynamicBatcher.await(six.get(i)).getFloat(0, 1)).isEqualTo(2f * (i + 1));
        }
        held.countDown();
        DynamicBatcher.await(running);
        assertThat(model.batches).containsExactly(List.of(9f), List.of(1f, 2f, 3f, 4f), List.of(5f, 6f));
    }

    @Test
    void whileAnotherCopyIsInAPassABatchWaitsForCompanyUpToItsShare() throws InterruptedException {
        batcher = new DynamicBatcher(8, Duration.ofHours(1), 16, 2, 0, meters);
        Recording model = new Recording();
        CountDownLatch held = new CountDownLatch(1);
        model.holds.put(9f, held);
        // Four at once: each copy takes its share of two; 9 and 8 stay in a pass, 7 and 6 are answered.
        List<CompletableFuture<INDArray>> four = batcher.submitAll(model,
                List.of(input(9), input(8), input(7), input(6)), TIMEOUT);
        DynamicBatcher.await(four.get(2));
        DynamicBatcher.await(four.get(3));
        assertThat(waits()).isZero();
        // One image beside a pass of two: its share is two, so it waits for company, which comes.
        CompletableFuture<INDArray> one = batcher.submit(model, input(1), TIMEOUT);
        awaitWaiting();
        CompletableFuture<INDArray> two = batcher.submit(model, input(2), TIMEOUT);
        assertThat(DynamicBatcher.await(one).getFloat(0, 1)).isEqualTo(2f);
        assertThat(DynamicBatcher.await(two).getFloat(0, 1)).isEqualTo(4f);
        assertThat(waits()).isEqualTo(1);

        // Again, but now the pass ends first: nothing is on its way any more, so the lone image
        // stops waiting (the delay is an hour) and runs alone.
        CompletableFuture<INDArray> three = batcher.submit(model, input(3), TIMEOUT);
        awaitWaits(2);
        held.countDown();
        assertThat(DynamicBatcher.await(four.get(0)).getFloat(0, 1)).isEqualTo(18f);
        assertThat(DynamicBatcher.await(three).getFloat(0, 1)).isEqualTo(6f);
        assertThat(model.batches).containsExactlyInAnyOrder(List.of(9f, 8f), List.of(7f, 6f), List.of(1f, 2f),
                List.of(3f));
    }

    @Test
    void aLoneImageRunsAtOnceHoweverLongTheDelay() {
        // An hour of delay: had the image waited for company, the ten-second timeout would fail it.
        batcher = new DynamicBatcher(8, Duration.ofHours(1), 16, meters);
        Recording model = new Recording();
        DynamicBatcher.await(batcher.submit(model, input(7), TIMEOUT));
        try (DynamicBatcher.Arrival arrival = batcher.announce()) {
            DynamicBatcher.await(arrival.submitAll(model, List.of(input(8)), TIMEOUT).get(0));
        }
        assertThat(model.batches).containsExactly(List.of(7f), List.of(8f));
        assertThat(waits()).isZero();
    }

    @Test
    void aBatchWaitsForAnnouncedRequestsAndRunsWhenTheLastArrives() {
        batcher = new DynamicBatcher(8, Duration.ofHours(1), 16, meters);
        Recording model = new Recording();
        DynamicBatcher.Arrival first = batcher.announce();
        DynamicBatcher.Arrival second = batcher.announce();
        DynamicBatcher.Arrival third = batcher.announce();
        CompletableFuture<INDArray> a = first.submitAll(model, List.of(input(1)), TIMEOUT).get(0);
        awaitWaiting();
        List<CompletableFuture<INDArray>> b = second.submitAll(model, List.of(input(2), input(3)), TIMEOUT);
        // The third fails before submitting (a bad image): its withdrawal ends the wait.
        third.close();
        DynamicBatcher.await(a);
        b.forEach(DynamicBatcher::await);
        assertThat(model.batches).containsExactly(List.of(1f, 2f, 3f));
        assertThat(waits()).isEqualTo(1);
    }

    @Test
    void withTwoInstancesArrivalsJoinTheBatchBeingHeldRatherThanStartAnotherOnTheFreeCopy() {
        batcher = new DynamicBatcher(8, Duration.ofHours(1), 16, 2, 0, meters);
        Recording model = new Recording();
        DynamicBatcher.Arrival first = batcher.announce();
        DynamicBatcher.Arrival second = batcher.announce();
        DynamicBatcher.Arrival third = batcher.announce();
        CompletableFuture<INDArray> a = first.submitAll(model, List.of(input(1)), TIMEOUT).get(0);
        awaitWaiting();
        // The other copy is free; had its worker taken this image, it would have held a batch of its own.
        CompletableFuture<INDArray> b = second.submitAll(model, List.of(input(2)), TIMEOUT).get(0);
        assertThat(DynamicBatcher.await(a).getFloat(0, 1)).isEqualTo(2f);
        assertThat(DynamicBatcher.await(b).getFloat(0, 1)).isEqualTo(4f);
        // Withdrawn only now: had it gone before the worker woke, two images over two copies would
        // have been a share of one each, and the two would have run apart.
        third.close();
        assertThat(model.batches).containsExactly(List.of(1f, 2f));
        assertThat(waits()).isEqualTo(1);
    }

    @Test
    void anAnnouncementRefusedByAFullQueueEndsTheWaitToo() {
        batcher = new DynamicBatcher(8, Duration.ofHours(1), 2, meters);
        Recording model = new Recording();
        DynamicBatcher.Arrival first = batcher.announce();
        DynamicBatcher.Arrival second = batcher.announce();
        CompletableFuture<INDArray> a = first.submitAll(model, List.of(input(1)), TIMEOUT).get(0);
        assertThatThrownBy(() -> second.submitAll(model, List.of(input(2), input(3)), TIMEOUT))
                .isInstanceOf(BatcherFullException.class);
        DynamicBatcher.await(a);
        assertThat(model.batches).containsExactly(List.of(1f));
    }

    @Test
    void batchingOffNeverWaits() {
        batcher = new DynamicBatcher(1, Duration.ofHours(1), 16, meters);
        Recording model = new Recording();
        try (DynamicBatcher.Arrival other = batcher.announce()) {
            DynamicBatcher.await(batcher.submit(model, input(4), TIMEOUT));
        }
        assertThat(model.batches).containsExactly(List.of(4f));
        assertThat(waits()).isZero();
    }

    @Test
    void batchingOffMeansOneImagePerPass() {
        batcher = new DynamicBatcher(1, Duration.ofSeconds(5), 16, meters);
        Recording model = new Recording();
        List<CompletableFuture<INDArray>> futures = batcher.submitAll(model, List.of(input(1), input(2), input(3)), TIMEOUT);
        futures.forEach(DynamicBatcher::await);
        assertThat(model.batches).containsExactly(List.of(1f), List.of(2f), List.of(3f));
    }

    @Test
    void aFullQueueRefusesAtOnceAndAllOrNothing() throws InterruptedException {
        batcher = new DynamicBatcher(1, Duration.ZERO, 3, meters);
        Recording model = new Recording();
        CompletableFuture<INDArray> running = occupy(model, 1);
        batcher.submit(model, input(2), TIMEOUT);

        assertThatThrownBy(() -> batcher.submitAll(model, List.of(input(3), input(4)), TIMEOUT))
                .isInstanceOf(BatcherFullException.class);
        assertThat(batcher.depth()).as("nothing of the refused call was queued").isEqualTo(2);
        CompletableFuture<INDArray> third = batcher.submit(model, input(3), TIMEOUT);
        assertThatThrownBy(() -> batcher.submit(model, input(4), TIMEOUT)).isInstanceOf(BatcherFullException.class);

        model.gate.countDown();
        DynamicBatcher.await(running);
        DynamicBatcher.await(third);
        assertThat(model.batches).containsExactly(List.of(1f), List.of(2f), List.of(3f));
    }

    @Test
    void imagesOfTwoModelsAreNeverMixedInOneBatch() {
        // Announced, so each batch waits (up to an hour) for the rest: only the other model's
        // image at the head of the queue ends the old model's wait.
        batcher = new DynamicBatcher(8, Duration.ofHours(1), 16, meters);
        Recording old = new Recording();
        Recording next = new Recording();
        List<DynamicBatcher.Arrival> arrivals = List.of(batcher.announce(), batcher.announce(), batcher.announce());
        var a = arrivals.get(0).submitAll(old, List.of(input(1)), TIMEOUT).get(0);
        var b = arrivals.get(1).submitAll(next, List.of(input(2)), TIMEOUT).get(0);
        var c = arrivals.get(2).submitAll(next, List.of(input(3)), TIMEOUT).get(0);
        DynamicBatcher.await(a);
        DynamicBatcher.await(b);
        DynamicBatcher.await(c);
        assertThat(old.batches).containsExactly(List.of(1f));
        assertThat(next.batches).containsExactly(List.of(2f, 3f));
    }

    @Test
    void anImageThatTimedOutWhileItsBatchWaitedIsNotComputed() {
        batcher = new DynamicBatcher(8, Duration.ofHours(1), 8, meters);
        Recording model = new Recording();
        DynamicBatcher.Arrival held = batcher.announce();
        CompletableFuture<INDArray> late = batcher.submit(model, input(1), Duration.ofMillis(100));
        assertThatThrownBy(() -> DynamicBatcher.await(late)).isInstanceOf(InferenceTimeoutException.class);
        held.close();
        DynamicBatcher.await(batcher.submit(model, input(2), TIMEOUT));
        assertThat(model.batches).containsExactly(List.of(2f));
        assertThat(batcher.depth()).isZero();
    }

    @Test
    void anImageThatTimedOutFailsWithTheTimeoutAndIsNotComputed() throws InterruptedException {
        batcher = new DynamicBatcher(1, Duration.ZERO, 8, meters);
        Recording model = new Recording();
        CompletableFuture<INDArray> blocking = occupy(model, 1);
        CompletableFuture<INDArray> late = batcher.submit(model, input(2), Duration.ofMillis(100));

        assertThatThrownBy(() -> DynamicBatcher.await(late)).isInstanceOf(InferenceTimeoutException.class);
        model.gate.countDown();
        DynamicBatcher.await(blocking);
        DynamicBatcher.await(batcher.submit(model, input(3), TIMEOUT));
        assertThat(model.batches).containsExactly(List.of(1f), List.of(3f));
        assertThat(batcher.depth()).isZero();
    }
}
