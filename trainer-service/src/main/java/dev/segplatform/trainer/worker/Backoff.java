package dev.segplatform.trainer.worker;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Exponential backoff with jitter: doubles from {@code min} to {@code max} while nothing happens,
 * resets when something does. Jitter keeps many idle workers from polling in lockstep.
 */
final class Backoff {

    private final Duration min;
    private final Duration max;
    private Duration current;

    Backoff(Duration min, Duration max) {
        this.min = min;
        this.max = max;
        this.current = min;
    }

    /** The next wait, then doubles the one after. */
    Duration next() {
        Duration wait = current;
        current = current.multipliedBy(2).compareTo(max) > 0 ? max : current.multipliedBy(2);
        long jitter = ThreadLocalRandom.current().nextLong(Math.max(1, wait.toMillis() / 4) + 1);
        return wait.plusMillis(jitter);
    }

    void reset() {
        current = min;
    }
}
