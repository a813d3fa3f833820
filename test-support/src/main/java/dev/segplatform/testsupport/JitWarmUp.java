package dev.segplatform.testsupport;

import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.util.Locale;

/**
 * The benchmarks' warm-up: a cycle of the work to be measured, repeated until HotSpot's compilers
 * are quiet. On two cores a compiler thread takes a core from the work: C2 compiled a training
 * path for 10-20 s after a fixed 10 s warm-up, and a serving path still took 3% of the CPU 75 s
 * into its load, so rounds measured meanwhile say nothing about the steady state.
 */
public final class JitWarmUp {

    /** Quiet: the compilers ran for less than this share of a cycle's wall time ... */
    public static final double QUIET_SHARE = 0.02;
    /**
     * ... in this many cycles in a row: after one quiet cycle C2 often went on (PSPNet's training
     * steps still varied from 65 to 98 ms after 12 s, and held at 64-71 ms after 30 s).
     */
    public static final int QUIET_CYCLES = 2;

    private JitWarmUp() {
    }

    /**
     * Runs {@code cycle} for at least {@code minNanos}, then on until {@link #QUIET_CYCLES} cycles in
     * a row in which HotSpot's compilers ran for less than {@link #QUIET_SHARE} of their wall time,
     * or {@code limitNanos} (then it says so).
     */
    public static void untilQuiet(Runnable cycle, long minNanos, long limitNanos) {
        CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
        long start = System.nanoTime();
        int quiet = 0;
        while (true) {
            long compiledBefore = jit.getTotalCompilationTime();
            long cycleStart = System.nanoTime();
            cycle.run();
            long now = System.nanoTime();
            double share = (jit.getTotalCompilationTime() - compiledBefore) * 1e6 / (now - cycleStart);
            quiet = share < QUIET_SHARE ? quiet + 1 : 0;
            if (now - start >= minNanos && quiet >= QUIET_CYCLES) {
                return;
            }
            if (now - start >= limitNanos) {
                System.out.printf(Locale.ROOT, "warm-up: HotSpot still compiling after %d s (%.0f%% of the last cycle)%n",
                        limitNanos / 1_000_000_000L, 100 * share);
                return;
            }
        }
    }
}
