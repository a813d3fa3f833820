package dev.segplatform.core.model.kernel;

import org.bytedeco.dnnl.engine;
import org.bytedeco.dnnl.stream;

/**
 * The one oneDNN CPU engine and the streams every oneDNN primitive here runs on: the convolution
 * plans and the element-wise kernels share them, so memory made for one can be bound to the other.
 * Apart from {@link OneDnn} because naming these types loads oneDNN's bindings, which the CUDA
 * build lacks.
 */
final class OneDnnEngine {

    static final engine ENGINE = new engine(engine.kind.cpu, 0);

    /** oneDNN streams are not thread-safe; layers of one network run on one thread. */
    static final ThreadLocal<stream> STREAM = ThreadLocal.withInitial(() -> new stream(ENGINE));

    private OneDnnEngine() {
    }
}
