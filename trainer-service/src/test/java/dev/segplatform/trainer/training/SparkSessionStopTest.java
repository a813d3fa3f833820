package dev.segplatform.trainer.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.segplatform.trainer.TrainerProperties;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A distributed run's wait on Spark ends when its context stops under it, as Spark's shutdown hook
 * does on SIGTERM. The lost job is a future nobody completes: the wait Spark's {@code runJob} is left
 * in when its scheduler drops a job submitted while the context stops.
 */
class SparkSessionStopTest {

    private final SparkDriver driver = new SparkDriver(new TrainerProperties.Spark(null, null, null));

    @Test
    @Timeout(value = 2, unit = TimeUnit.MINUTES)
    void aWaitNobodyEndsIsInterruptedOnceTheContextStops() throws Exception {
        try (SparkDriver.Session session = driver.open(1, 1, () -> false)) {
            CompletableFuture<Void> lostJob = new CompletableFuture<>();
            CompletableFuture<Void> stopping = CompletableFuture.runAsync(() -> session.context().stop(),
                    CompletableFuture.delayedExecutor(1, TimeUnit.SECONDS));
            long started = System.nanoTime();

            assertThatThrownBy(() -> session.interruptedIfStopped(lostJob::get))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("Spark context stopped")
                    .hasCauseInstanceOf(InterruptedException.class);
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(60));
            assertThat(Thread.currentThread().isInterrupted()).as("the interrupt is not left on the thread").isFalse();
            // The context reads as stopped as soon as its stop begins; Spark lets the next context start
            // only once the stop has ended, so the test waits for it before the next test opens one.
            stopping.get(1, TimeUnit.MINUTES);
        }
    }

    @Test
    @Timeout(value = 2, unit = TimeUnit.MINUTES)
    void workThatEndsIsLeftAloneAndALaterStopInterruptsNothing() throws Exception {
        try (SparkDriver.Session session = driver.open(2, 2, () -> false)) {
            long count = session.interruptedIfStopped(
                    () -> session.context().parallelize(List.of(1, 2, 3, 4), 2).filter(i -> i % 2 == 0).count());
            assertThat(count).isEqualTo(2);

            session.context().stop();
            Thread.sleep(1_500); // three of the watch's looks, had it outlived the work
            assertThat(Thread.currentThread().isInterrupted()).isFalse();
        }
    }
}
