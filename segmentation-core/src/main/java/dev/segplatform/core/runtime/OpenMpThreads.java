package dev.segplatform.core.runtime;

import java.util.function.Supplier;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.nativeblas.NativeOpsHolder;

/**
 * OpenMP's thread count for the calling thread's ND4J ops. It is a per-thread setting, so a thread
 * running its own copy of a model can use one thread while others keep ND4J's default (every core).
 */
public final class OpenMpThreads {

    private OpenMpThreads() {
    }

    /**
     * The calling thread's ops from now on use {@code threads} OpenMP threads. ND4J is initialised
     * first: {@code NativeOpsHolder} reads the backend settings that {@code Nd4j}'s start-up loads, and
     * fails ("ND4J is probably missing dependencies") on a thread that gets there first.
     */
    public static void setForThisThread(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be positive, got " + threads);
        }
        Nd4j.getBackend();
        NativeOpsHolder.getInstance().getDeviceNativeOps().setOmpNumThreads(threads);
    }

    /** The OpenMP thread count of the calling thread's ops: its own setting, or ND4J's default (every core). */
    public static int current() {
        Nd4j.getBackend();
        return NativeOpsHolder.getInstance().getDeviceNativeOps().ompGetMaxThreads();
    }

    /**
     * {@code work} on the calling thread with {@code threads} OpenMP threads, then the thread's own
     * count again: for work done ahead for threads that run with that count, such as building their
     * convolutions (oneDNN fixes a convolution's thread count when it builds it).
     */
    public static <T> T callWith(int threads, Supplier<T> work) {
        int before = current();
        setForThisThread(threads);
        try {
            return work.get();
        } finally {
            setForThisThread(before);
        }
    }
}
