package org.nd4j.nativeblas;

import org.nd4j.linalg.factory.Nd4j;

/**
 * Repairs DL4J 1.0.0-M2.1's check for oneDNN, which otherwise never passes.
 *
 * <p>Before a layer uses its oneDNN helper, DL4J's {@code BaseMKLDNNHelper.mklDnnEnabled()} loads
 * {@code org.nd4j.nativeblas.Nd4jCpu$Environment} by name and calls {@code getInstance()} and
 * {@code isUseMKLDNN()} on it. ND4J M2.1 moved that class to
 * {@code org.nd4j.linalg.cpu.nativecpu.bindings.Nd4jCpu$Environment} and renamed the method
 * {@code isUseONEDNN()}, so the lookup fails, DL4J logs "Cannot find class" and falls back to its
 * Java im2col convolution even on ND4J's oneDNN build (6-7x slower). This class answers that lookup
 * under the old name, with the truth: whether the loaded native library was built with oneDNN.
 * Nothing else refers to it; remove it with the move to a DL4J release that fixes the check.
 */
public final class Nd4jCpu {

    private Nd4jCpu() {
    }

    /** The shape DL4J's reflective check expects. */
    public static final class Environment {

        private static final Environment INSTANCE = new Environment();

        private Environment() {
        }

        public static Environment getInstance() {
            return INSTANCE;
        }

        /** True when the ND4J native library in use has oneDNN and helpers are allowed. */
        public boolean isUseMKLDNN() {
            return Nd4j.getEnvironment().helpersAllowed()
                    && NativeOpsHolder.getInstance().getDeviceNativeOps().buildInfo().contains("HAVE_ONEDNN");
        }
    }
}
