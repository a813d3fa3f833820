package dev.segplatform.core.runtime;

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
}
