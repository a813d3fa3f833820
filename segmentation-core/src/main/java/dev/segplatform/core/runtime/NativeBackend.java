package dev.segplatform.core.runtime;

import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Picks ND4J's oneDNN build and turns DL4J's layer helpers on, so that convolution, batch norm and
 * pooling run in oneDNN (cuDNN on the CUDA backend) instead of DL4J's Java-driven im2col + GEMM.
 * Call {@link #configure()} before anything touches ND4J: JavaCPP reads the build choice once,
 * when it loads the native library.
 *
 * <p>Why both switches, measured on U-Net 128x128 batch 16 (2 cores): DL4J 1.0.0-M2.1 creates no
 * layer helper unless {@code org.eclipse.deeplearning4j.helpers.disable=false}, and ND4J's default
 * build has no oneDNN; with both, training goes from 2.0 to 13-14 images/s. The generic
 * {@code linux-x86_64-onednn} build is used rather than the AVX2/AVX-512 ones because oneDNN
 * chooses its kernels from the CPU's flags at run time in every build, the ISA-specific builds
 * measured no faster here, and the generic one cannot crash an older x86-64 CPU with an illegal
 * instruction. The plain build stays on the class path as the fallback: it is what loads when the
 * oneDNN build is absent (the {@code cuda} profile) or when the user sets
 * {@code -Dorg.bytedeco.javacpp.platform.extension=} (empty) themselves.
 *
 * <p>See also {@code org.nd4j.nativeblas.Nd4jCpu}, which repairs the check DL4J M2.1 makes
 * before it uses oneDNN.
 */
public final class NativeBackend {

    /** JavaCPP's choice of native build, a suffix of the platform name. */
    public static final String EXTENSION_PROPERTY = "org.bytedeco.javacpp.platform.extension";
    /** DL4J 1.0.0-M2.1 reads this (default {@code true}) each time a layer is created. */
    public static final String HELPERS_DISABLED_PROPERTY = "org.eclipse.deeplearning4j.helpers.disable";
    public static final String ONEDNN_EXTENSION = "-onednn";
    /**
     * {@code false} makes the networks' convolutions use DL4J's layer (and its oneDNN helper)
     * instead of calling oneDNN directly; read when a layer is created. See {@code FastConvolution}.
     */
    public static final String ONEDNN_CONVOLUTION_PROPERTY = "segplatform.onednn-convolution";
    private static final String ONEDNN_LIBRARY =
            "org/nd4j/linalg/cpu/nativecpu/bindings/linux-x86_64" + ONEDNN_EXTENSION + "/libjnind4jcpu.so";

    private static final Logger log = LoggerFactory.getLogger(NativeBackend.class);
    private static Selection selection;

    /**
     * What {@link #configure()} decided.
     *
     * @param extension the JavaCPP platform extension in force ({@code ""} = ND4J's plain build)
     * @param helpers whether DL4J may use oneDNN/cuDNN layer helpers
     * @param reason why this build, for the log
     */
    public record Selection(String extension, boolean helpers, String reason) {
    }

    private NativeBackend() {
    }

    /** Sets both switches unless the user set them; idempotent; returns what is in force. */
    public static synchronized Selection configure() {
        if (selection == null) {
            selection = decide();
            log.info("ND4J native build: {} ({}); DL4J layer helpers {}",
                    selection.extension().isEmpty() ? "plain" : selection.extension().substring(1), selection.reason(),
                    selection.helpers() ? "on" : "off");
        }
        return selection;
    }

    private static Selection decide() {
        if (System.getProperty(HELPERS_DISABLED_PROPERTY) == null) {
            System.setProperty(HELPERS_DISABLED_PROPERTY, "false");
        }
        boolean helpers = !Boolean.parseBoolean(System.getProperty(HELPERS_DISABLED_PROPERTY));
        String userChoice = System.getProperty(EXTENSION_PROPERTY);
        if (userChoice != null) {
            return new Selection(userChoice, helpers, "set by " + EXTENSION_PROPERTY);
        }
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "");
        if (!os.startsWith("linux") || !(arch.equals("amd64") || arch.equals("x86_64"))) {
            return new Selection("", helpers, "oneDNN build is packaged for linux-x86_64 only, this is " + os + "/" + arch);
        }
        if (NativeBackend.class.getClassLoader().getResource(ONEDNN_LIBRARY) == null) {
            return new Selection("", helpers, "oneDNN build not on the class path");
        }
        System.setProperty(EXTENSION_PROPERTY, ONEDNN_EXTENSION);
        return new Selection(ONEDNN_EXTENSION, helpers, "oneDNN picks its kernels from the CPU's flags");
    }
}
