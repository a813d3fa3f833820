package dev.segplatform.inference.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The batch-size profile's rule and sweep, on passes whose cost is given, so nothing here is timed. */
class BatchProfileTest {

    @Test
    void everySizeUpToEightIsTimedThenPowersOfTwoAndTheMaximum() {
        assertThat(BatchProfile.ladder(1)).containsExactly(1);
        assertThat(BatchProfile.ladder(4)).containsExactly(1, 2, 3, 4);
        assertThat(BatchProfile.ladder(8)).containsExactly(1, 2, 3, 4, 5, 6, 7, 8);
        assertThat(BatchProfile.ladder(20)).containsExactly(1, 2, 3, 4, 5, 6, 7, 8, 16, 20);
        assertThat(BatchProfile.ladder(64)).containsExactly(1, 2, 3, 4, 5, 6, 7, 8, 16, 32, 64);
        assertThatThrownBy(() -> BatchProfile.ladder(0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theLimitIsTheSmallestSizeWithinFivePercentOfTheBestRate() {
        int[] sizes = {1, 2, 3, 4, 5};
        // 150 is within 5% of 152; 140 is not.
        assertThat(BatchProfile.limit(sizes, new double[] {100, 140, 150, 152, 151})).isEqualTo(3);
        // No gain from batching: batches of one.
        assertThat(BatchProfile.limit(sizes, new double[] {100, 99, 101, 98, 100})).isEqualTo(1);
        // Gains to the end: the largest.
        assertThat(BatchProfile.limit(sizes, new double[] {100, 150, 200, 250, 300})).isEqualTo(5);
        // A size past the best that falls back does not matter; the best's own neighbourhood does.
        assertThat(BatchProfile.limit(sizes, new double[] {100, 200, 180, 150, 120})).isEqualTo(2);
    }

    @Test
    void theWarmUpRunsUntilThePassesStopGettingFasterOrItsTimeIsUp() {
        // Passes that get faster for three blocks (as compiled code replaces interpreted code), then steady.
        int[] calls = {0};
        int passes = BatchProfile.warmUp(b -> {
            int block = calls[0]++ / BatchProfile.WARM_UP_BLOCK;
            return block < 3 ? 40_000_000L >> block : 5_000_000L;
        });
        // Blocks 0, 1 and 2 were each faster than the one before; block 3 improved on block 2's 10 ms, and block 4 did not.
        assertThat(passes).isEqualTo(5 * BatchProfile.WARM_UP_BLOCK);
        // Passes that keep getting faster stop at the time limit.
        long[] nanos = {1_000_000_000L};
        int capped = BatchProfile.warmUp(b -> nanos[0] = nanos[0] * 9 / 10);
        assertThat(capped).isLessThanOrEqualTo(2 * BatchProfile.WARM_UP_BLOCK);
    }

    @Test
    void eachSizeGetsAnUntimedPassAndTheFastestOfItsTimedOnesCounts() {
        // A pass costs 2 ms plus 1 ms per image, and the untimed pass and the first timed one are
        // slowed tenfold, as a pass building its kernels or sharing its core would be.
        List<Integer> calls = new ArrayList<>();
        BatchProfile profile = BatchProfile.measure(8, b -> {
            calls.add(b);
            long nanos = 2_000_000L + b * 1_000_000L;
            long callsAtThisSize = calls.stream().filter(c -> c == b).count();
            return b > 1 && callsAtThisSize <= 2 ? nanos * 10 : nanos;
        });
        // The warm-up's passes at batch 1 were steady, so it stopped after its second block.
        int warmUp = 2 * BatchProfile.WARM_UP_BLOCK;
        assertThat(calls).hasSize(warmUp + 8 * (1 + BatchProfile.SWEEPS * BatchProfile.PASSES));
        assertThat(calls.subList(0, warmUp)).containsOnly(1);
        assertThat(calls.subList(warmUp, warmUp + 8)).as("the untimed passes, one per size first")
                .containsExactly(1, 2, 3, 4, 5, 6, 7, 8);
        assertThat(profile.sizes()).containsExactly(1, 2, 3, 4, 5, 6, 7, 8);
        double[] rates = profile.imagesPerSecond();
        for (int i = 0; i < rates.length; i++) {
            int b = i + 1;
            assertThat(rates[i]).isCloseTo(b * 1000.0 / (b + 2), org.assertj.core.data.Offset.offset(1e-6));
        }
        // 7 / 9 = 778 images/s is within 5% of 8 / 10 = 800; 6 / 8 = 750 is not.
        assertThat(profile.limit()).isEqualTo(7);
        assertThat(profile.bySize()).containsEntry(1, 333L).containsEntry(8, 800L).hasSize(8);
    }
}
