package dev.segplatform.core.model.kernel;

import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DST;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SRC;

import java.util.LinkedHashMap;
import java.util.Map;
import org.bytedeco.dnnl.IntMemoryMap;
import org.bytedeco.dnnl.eltwise_forward;
import org.bytedeco.dnnl.global.dnnl.algorithm;
import org.bytedeco.dnnl.global.dnnl.prop_kind;
import org.bytedeco.dnnl.memory;
import org.bytedeco.javacpp.LongPointer;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * {@code exp} or {@code log} of a float array, by oneDNN's vectorized JIT kernels. Java
 * 17 vectorizes neither {@code Math.exp} nor {@code Math.log}, so the exponentials were most of
 * a softmax over a network's output. Callers check {@link
 * OneDnn#AVAILABLE} first.
 */
public final class OneDnnEltwise {

    /** A function on arrays of one length. */
    private record Key(algorithm function, long length) {
    }

    /** A primitive and the layout of the arrays it takes. */
    private record Kernel(eltwise_forward primitive, memory.desc layout) {
    }

    /**
     * Kernels by function and length; a network asks for a few (training batch, last batch, one
     * image). An evicted kernel is left to the garbage collector, not closed: another thread may be
     * running it.
     */
    private static final Map<Key, Kernel> KERNELS = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Key, Kernel> eldest) {
            return size() > 16;
        }
    };

    private OneDnnEltwise() {
    }

    /** {@code to = exp(from)} for c-contiguous float arrays of one length (the same array is fine). */
    public static void exp(INDArray from, INDArray to) {
        apply(algorithm.eltwise_exp, from, to);
    }

    /** {@code a = log(a)} (natural) for a c-contiguous float array. */
    public static void logInPlace(INDArray a) {
        apply(algorithm.eltwise_log, a, a);
    }

    private static void apply(algorithm function, INDArray from, INDArray to) {
        if (from.length() != to.length()) {
            throw new IllegalArgumentException("lengths differ: " + from.length() + " and " + to.length());
        }
        Kernel kernel;
        synchronized (KERNELS) {
            kernel = KERNELS.computeIfAbsent(new Key(function, from.length()), OneDnnEltwise::kernel);
        }
        try (memory src = new memory(kernel.layout(), OneDnnEngine.ENGINE, new org.bytedeco.javacpp.Pointer());
                memory dst = new memory(kernel.layout(), OneDnnEngine.ENGINE, new org.bytedeco.javacpp.Pointer());
                IntMemoryMap args = new IntMemoryMap()) {
            OneDnnConvolution.bind(src, from);
            OneDnnConvolution.bind(dst, to);
            args.put(DNNL_ARG_SRC, src);
            args.put(DNNL_ARG_DST, dst);
            kernel.primitive().execute(OneDnnEngine.STREAM.get(), args);
            OneDnnEngine.STREAM.get()._wait();
        }
    }

    private static Kernel kernel(Key key) {
        memory.desc layout = new memory.desc(new LongPointer(new long[] {key.length()}), memory.data_type.f32,
                memory.format_tag.a);
        try (eltwise_forward.desc d = new eltwise_forward.desc(prop_kind.forward_inference, key.function(), layout);
                eltwise_forward.primitive_desc pd = new eltwise_forward.primitive_desc(d, OneDnnEngine.ENGINE)) {
            return new Kernel(new eltwise_forward(pd), layout);
        }
    }
}
