package dev.segplatform.inference.batching;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The batcher with stand-in models that record their batches: no weights, no HTTP. */
class DynamicBatcherTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private DynamicBatcher batcher;

    /** Doubles its input and records each batch's first values, optionally held at a latch. */
    static final class Recording implements BatchModel {
        final List<List<Float>> batches = Collections.synchronizedList(new ArrayList<>());
        final CountDownLatch entered = new CountDownLatch(1);
        volatile CountDownLatch gate;

        @Override
        public INDArray forward(INDArray batch) {
            List<Float> firsts = new ArrayList<>();
            for (int i = 0; i < batch.size(0); i++) {
                firsts.add(batch.getFloat(i, 0));
            }
            batches.add(firsts);
            entered.countDown();
            if (gate != null) {
                try {
                    gate.await(10, TimeUnit.SECONDS);
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

    @AfterEach
    void close() throws InterruptedException {
        batcher.close();
    }

    @Test
    void concurrentImagesShareOneForwardPassAndGetTheirOwnOutputs() {
        batcher = new DynamicBatcher(4, Duration.ofSeconds(2), 16, new SimpleMeterRegistry());
        Recording model = new Recording();
        List<CompletableFuture<INDArray>> futures = new ArrayList<>();
        for (int i = 1; i <= 4; i++) {
            futures.add(batcher.submit(model, input(i), TIMEOUT));
        }
        for (int i = 0; i < 4; i++) {
            assertThat(DynamicBatcher.await(futures.get(i)).getFloat(0, 1)).isEqualTo(2f * (i + 1));
        }
        // Full at four images: it did not wait out the two seconds.
        assertThat(model.batches).containsExactly(List.of(1f, 2f, 3f, 4f));
        assertThat(batcher.depth()).isZero();
    }

    @Test
    void aLoneImageRunsAloneAfterTheDelay() {
        batcher = new DynamicBatcher(8, Duration.ofMillis(100), 16, new SimpleMeterRegistry());
        Recording model = new Recording();
        long start = System.nanoTime();
        DynamicBatcher.await(batcher.submit(model, input(7), TIMEOUT));
        assertThat((System.nanoTime() - start) / 1_000_000).isBetween(90L, 5_000L);
        assertThat(model.batches).containsExactly(List.of(7f));
    }

    @Test
    void batchingOffMeansOneImagePerPass() {
        batcher = new DynamicBatcher(1, Duration.ofSeconds(5), 16, new SimpleMeterRegistry());
        Recording model = new Recording();
        List<CompletableFuture<INDArray>> futures = batcher.submitAll(model, List.of(input(1), input(2), input(3)), TIMEOUT);
        futures.forEach(DynamicBatcher::await);
        assertThat(model.batches).containsExactly(List.of(1f), List.of(2f), List.of(3f));
    }

    @Test
    void aFullQueueRefusesAtOnceAndAllOrNothing() throws InterruptedException {
        batcher = new DynamicBatcher(1, Duration.ZERO, 3, new SimpleMeterRegistry());
        Recording model = new Recording();
        model.gate = new CountDownLatch(1);
        CompletableFuture<INDArray> running = batcher.submit(model, input(1), TIMEOUT);
        assertThat(model.entered.await(5, TimeUnit.SECONDS)).isTrue();
        batcher.submit(model, input(2), TIMEOUT);

        assertThatThrownBy(() -> batcher.submitAll(model, List.of(input(3), input(4)), TIMEOUT))
                .isInstanceOf(QueueFullException.class);
        assertThat(batcher.depth()).as("nothing of the refused call was queued").isEqualTo(2);
        CompletableFuture<INDArray> third = batcher.submit(model, input(3), TIMEOUT);
        assertThatThrownBy(() -> batcher.submit(model, input(4), TIMEOUT)).isInstanceOf(QueueFullException.class);

        model.gate.countDown();
        DynamicBatcher.await(running);
        DynamicBatcher.await(third);
        assertThat(model.batches).containsExactly(List.of(1f), List.of(2f), List.of(3f));
    }

    @Test
    void imagesOfTwoModelsAreNeverMixedInOneBatch() {
        batcher = new DynamicBatcher(8, Duration.ofMillis(300), 16, new SimpleMeterRegistry());
        Recording old = new Recording();
        Recording next = new Recording();
        var a = batcher.submit(old, input(1), TIMEOUT);
        var b = batcher.submit(next, input(2), TIMEOUT);
        var c = batcher.submit(next, input(3), TIMEOUT);
        DynamicBatcher.await(a);
        DynamicBatcher.await(b);
        DynamicBatcher.await(c);
        assertThat(old.batches).containsExactly(List.of(1f));
        assertThat(next.batches).containsExactly(List.of(2f, 3f));
    }

    @Test
    void anImageThatTimedOutFailsWithTheTimeoutAndIsNotComputed() throws InterruptedException {
        batcher = new DynamicBatcher(1, Duration.ZERO, 8, new SimpleMeterRegistry());
        Recording model = new Recording();
        model.gate = new CountDownLatch(1);
        CompletableFuture<INDArray> blocking = batcher.submit(model, input(1), TIMEOUT);
        assertThat(model.entered.await(5, TimeUnit.SECONDS)).isTrue();
        CompletableFuture<INDArray> late = batcher.submit(model, input(2), Duration.ofMillis(100));

        assertThatThrownBy(() -> DynamicBatcher.await(late)).isInstanceOf(InferenceTimeoutException.class);
        model.gate.countDown();
        DynamicBatcher.await(blocking);
        DynamicBatcher.await(batcher.submit(model, input(3), TIMEOUT));
        assertThat(model.batches).containsExactly(List.of(1f), List.of(3f));
        assertThat(batcher.depth()).isZero();
    }
}
