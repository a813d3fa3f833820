package dev.segplatform.core.model.kernel;

import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether this JVM can call oneDNN directly ({@link OneDnnConvolution}, {@link OneDnnEltwise}):
 * ND4J runs on the CPU and oneDNN's Java bindings load. Decided once; this class names no oneDNN
 * type, so asking does not load the bindings where they are missing (the CUDA build ships only
 * their API jars).
 */
public final class OneDnn {

    private static final Logger log = LoggerFactory.getLogger(OneDnn.class);

    public static final boolean AVAILABLE = available();

    private OneDnn() {
    }

    private static boolean available() {
        if (!"CPU".equalsIgnoreCase(Nd4j.getExecutioner().getEnvironmentInformation().getProperty("backend"))) {
            return false;
        }
        try {
            Class.forName("org.bytedeco.dnnl.engine", true, OneDnn.class.getClassLoader());
            return true;
        } catch (Throwable t) {
            log.warn("oneDNN's Java bindings did not load ({}); DL4J's and Java's own kernels run instead", t.toString());
            return false;
        }
    }
}
