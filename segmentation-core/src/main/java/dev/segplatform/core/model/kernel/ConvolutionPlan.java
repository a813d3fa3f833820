package dev.segplatform.core.model.kernel;

import static dev.segplatform.core.model.kernel.OneDnnEngine.ENGINE;
import static dev.segplatform.core.model.kernel.OneDnnEngine.STREAM;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_FROM;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SCRATCHPAD;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_TO;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.bytedeco.dnnl.IntMemoryMap;
import org.bytedeco.dnnl.global.dnnl.algorithm;
import org.bytedeco.dnnl.global.dnnl.scratchpad_mode;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.post_ops;
import org.bytedeco.dnnl.primitive;
import org.bytedeco.dnnl.primitive_attr;
import org.bytedeco.dnnl.reorder;
import org.bytedeco.dnnl.stream;
import org.bytedeco.javacpp.Pointer;

/**
 * What {@link OneDnnConvolution} runs for one pass (and {@link OneDnnResampling} for one shape):
 * oneDNN primitives in order with their arguments, the reorders to and from the arrays' layouts, and
 * one scratch buffer; and how the fastest of several plans for the same pass is chosen on the
 * machine at hand.
 */
final class ConvolutionPlan implements AutoCloseable {

    /**
     * Scratch memory is the plan's own, not oneDNN's default per-thread buffer, which belongs to
     * the thread that created the primitive: a network trained on ParallelWrapper's threads and
     * evaluated on another crashed the JVM that way (SegmentationTrainerTest's two-device test).
     */
    static final primitive_attr ATTRIBUTES = new primitive_attr();

    /** The same, with a ReLU applied to the convolution's output as it is written (a folded inference graph). */
    static final primitive_attr RELU_ATTRIBUTES = new primitive_attr();

    static {
        ATTRIBUTES.set_scratchpad_mode(scratchpad_mode.user);
        RELU_ATTRIBUTES.set_scratchpad_mode(scratchpad_mode.user);
        post_ops relu = new post_ops();
        relu.append_eltwise(1f, algorithm.eltwise_relu, 0f, 0f);
        RELU_ATTRIBUTES.set_post_ops(relu);
    }

    private final List<primitive> primitives = new ArrayList<>();
    private final List<IntMemoryMap> arguments = new ArrayList<>();
    private final List<memory.desc> scratchpads = new ArrayList<>();
    private boolean scratchpadBound;
    /**
     * The buffers and descriptors the plan made, held for as long as the plan: JavaCPP frees a
     * C++ object when its Java wrapper is collected, so no buffer's life hangs on what the
     * argument maps copy.
     */
    private final List<Pointer> owned = new ArrayList<>();
    /** oneDNN's name for the kernel of the plan's (last) convolution. */
    private String kernel = "";
    /**
     * Reorders of arrays that do not change between calls (a folded graph's weights), by their
     * index in {@link #primitives}: each runs again only when its source has moved.
     */
    private final Map<Integer, Fixed> fixed = new HashMap<>();

    /** A reorder from {@code source}, and the address it last read. */
    private static final class Fixed {
        final memory source;
        long address = -1;

        Fixed(memory source) {
            this.source = source;
        }
    }

    void own(Pointer p) {
        owned.add(p);
    }

    /** The kernel and how many primitives (it and its reorders) the plan runs: plans alike in this run alike. */
    String signature() {
        return kernel + "/" + primitives.size();
    }

    /** {@code user} itself if it is already in the layout {@code wanted}, else a reordered copy. */
    memory in(memory user, memory.desc wanted) {
        if (user.get_desc().equals(wanted)) {
            return user;
        }
        memory m = new memory(wanted, ENGINE);
        owned.add(m);
        copy(user, m);
        return m;
    }

    /**
     * As {@link #in}, for an array whose values stay as they are for as long as it stays where it
     * is: the reordered copy is made on the first run and again only after the array moved.
     */
    memory fixed(memory user, memory.desc wanted) {
        if (user.get_desc().equals(wanted)) {
            return user;
        }
        fixed.put(primitives.size(), new Fixed(user));
        return in(user, wanted);
    }

    /** Where a primitive writes: {@code user} if it has the layout, else its own buffer, see {@link #out}. */
    memory scratch(memory user, memory.desc layout) {
        if (user.get_desc().equals(layout)) {
            return user;
        }
        memory m = new memory(layout, ENGINE);
        owned.add(m);
        return m;
    }

    /** Copies {@code result} into {@code user} unless it is {@code user}. */
    void out(memory result, memory user) {
        if (result != user) {
            copy(result, user);
        }
    }

    /** A buffer of the plan's own in {@code layout}. */
    memory buffer(memory.desc layout) {
        memory m = new memory(layout, ENGINE);
        owned.add(m);
        return m;
    }

    /**
     * Another view, {@code layout}, of the elements of {@code of}; of nothing yet when {@code of} is
     * null (the caller binds it to each call's array).
     */
    memory view(memory.desc layout, memory of) {
        memory m = new memory(layout, ENGINE, of == null ? new Pointer() : of.get_data_handle());
        owned.add(m);
        return m;
    }

    /** A reorder from {@code from} to {@code to}, which may be views of different shapes of the same elements. */
    void reorder(memory from, memory to) {
        copy(from, to);
    }

    private void copy(memory from, memory to) {
        reorder.primitive_desc descriptor = new reorder.primitive_desc(from, to, ATTRIBUTES, false);
        add(new reorder(descriptor), args(DNNL_ARG_FROM, from, DNNL_ARG_TO, to), descriptor.scratchpad_desc());
    }

    void add(primitive p, IntMemoryMap a, memory.desc scratchpad, String kernel) {
        this.kernel = kernel;
        add(p, a, scratchpad);
    }

    void add(primitive p, IntMemoryMap a, memory.desc scratchpad) {
        primitives.add(p);
        arguments.add(a);
        scratchpads.add(scratchpad);
    }

    /** One scratch buffer, the largest any primitive asks for, given to each (they run one after another). */
    private void bindScratchpad() {
        int largest = 0;
        for (int i = 1; i < scratchpads.size(); i++) {
            if (scratchpads.get(i).get_size() > scratchpads.get(largest).get_size()) {
                largest = i;
            }
        }
        if (!scratchpads.isEmpty() && scratchpads.get(largest).get_size() > 0) {
            memory buffer = new memory(scratchpads.get(largest), ENGINE);
            owned.add(buffer);
            for (int i = 0; i < scratchpads.size(); i++) {
                if (scratchpads.get(i).get_size() > 0) {
                    memory view = i == largest ? buffer : new memory(scratchpads.get(i), ENGINE, buffer.get_data_handle());
                    owned.add(view);
                    arguments.get(i).put(DNNL_ARG_SCRATCHPAD, view);
                }
            }
        }
        scratchpadBound = true;
    }

    /** Frees the primitives and buffers now rather than whenever the garbage collector gets to them. */
    @Override
    public void close() {
        primitives.forEach(Pointer::close);
        arguments.forEach(Pointer::close);
        owned.forEach(Pointer::close);
    }

    void run() {
        if (!scratchpadBound) {
            bindScratchpad();
        }
        stream s = STREAM.get();
        for (int i = 0; i < primitives.size(); i++) {
            Fixed f = fixed.get(i);
            if (f != null) {
                long address = f.source.get_data_handle().address();
                if (address == f.address) {
                    continue;
                }
                f.address = address;
            }
            primitives.get(i).execute(s, arguments.get(i));
        }
        s._wait();
    }

    /** Nanoseconds one run takes. */
    long time() {
        long start = System.nanoTime();
        run();
        return System.nanoTime() - start;
    }

    /**
     * Of plans that compute the same thing, the one fastest on this call's arrays; the others are
     * closed. oneDNN's own pick is not always the fastest: Winograd loses badly to the direct kernel
     * at few channels and large planes (PSPNet's second layer) and wins at many channels; and writing ND4J's plain layout directly
     * (a GEMM-based kernel) can beat a blocked kernel plus its reorders. A few runs of each, once per
     * layer and input shape, settle it on the machine at hand, as cuDNN's benchmark mode does.
     */
    static ConvolutionPlan fastest(List<ConvolutionPlan> plans) {
        for (ConvolutionPlan p : plans) {
            p.run(); // the first run of each touches its fresh buffers
        }
        long[] best = new long[plans.size()];
        Arrays.fill(best, Long.MAX_VALUE);
        for (int round = 0; round < 3; round++) {
            for (int i = 0; i < plans.size(); i++) {
                best[i] = Math.min(best[i], plans.get(i).time());
            }
        }
        int winner = 0;
        for (int i = 1; i < plans.size(); i++) {
            if (best[i] < best[winner]) {
                winner = i;
            }
        }
        for (int i = 0; i < plans.size(); i++) {
            if (i != winner) {
                plans.get(i).close();
            }
        }
        ConvolutionPlan chosen = plans.get(winner);
        if (winner != plans.size() - 1) {
            chosen.run(); // the result this call returns is the chosen plan's own
        }
        return chosen;
    }

    /**
     * The first of each group of candidates that would run the same kernel with the same reorders,
     * or only the one an earlier timing chose ({@code chosen}, its signature) if it is among them;
     * the others are closed. Null candidates (no kernel) are skipped.
     */
    static <T> List<T> distinct(List<T> candidates, Function<T, ConvolutionPlan> plan, String chosen) {
        List<T> kept = new ArrayList<>();
        for (T c : candidates) {
            if (c != null && kept.stream().noneMatch(k -> plan.apply(k).signature().equals(plan.apply(c).signature()))) {
                kept.add(c);
            }
        }
        List<T> result = kept.stream().filter(c -> plan.apply(c).signature().equals(chosen)).findFirst()
                .map(List::of).orElse(kept);
        for (T c : candidates) {
            if (c != null && !result.contains(c)) {
                plan.apply(c).close();
            }
        }
        return result;
    }

    /** Pairs of (argument, memory); a null memory (no bias) is left out. */
    static IntMemoryMap args(Object... pairs) {
        IntMemoryMap map = new IntMemoryMap();
        for (int i = 0; i < pairs.length; i += 2) {
            if (pairs[i + 1] != null) {
                map.put((Integer) pairs[i], (memory) pairs[i + 1]);
            }
        }
        return map;
    }
}
