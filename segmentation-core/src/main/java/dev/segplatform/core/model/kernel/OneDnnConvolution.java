package dev.segplatform.core.model.kernel;

import static dev.segplatform.core.model.kernel.OneDnnEngine.ENGINE;
import static dev.segplatform.core.model.kernel.OneDnnEngine.STREAM;

import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_BIAS;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_BIAS;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_DST;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_SRC;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_WEIGHTS;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DST;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_FROM;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SCRATCHPAD;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SRC;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_TO;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_WEIGHTS;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.dnnl.IntMemoryMap;
import org.bytedeco.dnnl.convolution_backward_data;
import org.bytedeco.dnnl.convolution_backward_weights;
import org.bytedeco.dnnl.convolution_forward;
import org.bytedeco.dnnl.global.dnnl.algorithm;
import org.bytedeco.dnnl.global.dnnl.prop_kind;
import org.bytedeco.dnnl.global.dnnl.scratchpad_mode;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.post_ops;
import org.bytedeco.dnnl.primitive;
import org.bytedeco.dnnl.primitive_attr;
import org.bytedeco.dnnl.reorder;
import org.bytedeco.dnnl.stream;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.Pointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * One float NCHW 2-D convolution of one {@link Geometry}, run by oneDNN through its own Java
 * bindings: the primitive descriptors, primitives and reorders are created once and run on every
 * call, on the arrays of that call. Where oneDNN's own pick ({@code convolution_auto}: Winograd
 * for most 3x3 layers here) differs from its direct kernel, the first call of a shape times both
 * and keeps the faster ({@link #faster}). oneDNN picks its preferred memory layouts; the reorders
 * between those and the plain layouts of ND4J's arrays are part of each call.
 *
 * <p>Why not ND4J's {@code conv2d} ops, which call the same library: they build every descriptor
 * and primitive anew on each call and always use the direct algorithm ({@code bin/bench models}
 * shows the difference on the networks' layer shapes).
 */
public final class OneDnnConvolution implements AutoCloseable {

    /**
     * Scratch memory is the plan's own, not oneDNN's default per-thread buffer, which belongs to
     * the thread that created the primitive: a network trained on ParallelWrapper's threads and
     * evaluated on another crashed the JVM that way (SegmentationTrainerTest's two-device test).
     */
    private static final primitive_attr ATTRIBUTES = new primitive_attr();

    /** The same, with a ReLU applied to the convolution's output as it is written (a folded inference graph). */
    private static final primitive_attr RELU_ATTRIBUTES = new primitive_attr();

    static {
        ATTRIBUTES.set_scratchpad_mode(scratchpad_mode.user);
        RELU_ATTRIBUTES.set_scratchpad_mode(scratchpad_mode.user);
        post_ops relu = new post_ops();
        relu.append_eltwise(1f, algorithm.eltwise_relu, 0f, 0f);
        RELU_ATTRIBUTES.set_post_ops(relu);
    }

    /**
     * Which plan won the timing for a geometry and pass, so that a shape that comes back after its
     * layer dropped it (dynamic batching sends many batch sizes) is not timed again.
     */
    private static final Map<String, String> CHOICES = new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
            return size() > 4096;
        }
    };

    private static String chosen(Geometry g, String pass) {
        synchronized (CHOICES) {
            return CHOICES.get(pass + " " + g);
        }
    }

    private static void choose(Geometry g, String pass, Plan winner) {
        synchronized (CHOICES) {
            CHOICES.put(pass + " " + g, winner.signature());
        }
    }

    /**
     * What the primitives are built for: NCHW input {@code [N, C, H, W]}, OIHW weights, output,
     * strides, dilation (1 = none), and the padding before (top, left) and after (bottom, right)
     * each spatial axis.
     */
    public record Geometry(long[] input, long[] weights, long[] output, long[] strides, long[] dilation, long[] padBefore,
            long[] padAfter, boolean bias, boolean relu, boolean blockedInput, boolean blockedOutput) {

        @Override
        public boolean equals(Object o) {
            return o instanceof Geometry g && Arrays.equals(input, g.input) && Arrays.equals(weights, g.weights)
                    && Arrays.equals(output, g.output) && Arrays.equals(strides, g.strides) && Arrays.equals(dilation, g.dilation)
                    && Arrays.equals(padBefore, g.padBefore) && Arrays.equals(padAfter, g.padAfter) && bias == g.bias
                    && relu == g.relu && blockedInput == g.blockedInput && blockedOutput == g.blockedOutput;
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(new int[] {Arrays.hashCode(input), Arrays.hashCode(weights), Arrays.hashCode(output),
                Arrays.hashCode(strides), Arrays.hashCode(dilation), Arrays.hashCode(padBefore), Arrays.hashCode(padAfter), Boolean.hashCode(bias), Boolean.hashCode(relu), Boolean.hashCode(blockedInput),
                Boolean.hashCode(blockedOutput)});
        }

        @Override
        public String toString() {
            return Arrays.toString(input) + " * " + Arrays.toString(weights) + " -> " + Arrays.toString(output) + ", strides "
                    + Arrays.toString(strides) + ", dilation " + Arrays.toString(dilation) + ", padding " + Arrays.toString(padBefore) + "/" + Arrays.toString(padAfter)
                    + (relu ? ", then ReLU" : "") + (blockedInput ? ", blocked input" : "")
                    + (blockedOutput ? ", blocked output" : "");
        }
    }

    private final Geometry geometry;
    // The arrays of each call, in ND4J's layouts; their data handles are set before every run.
    private final memory x;
    private final memory w;
    private final memory b;
    private final memory y;
    private final memory dy;
    private final memory dx;
    private final memory dw;
    private final memory db;
    /** The forward pass; while {@link #forwardRivals} is non-empty, one of several still to be timed. */
    private Forward forward;
    private List<Forward> forwardRivals = List.of();
    private Plan backwardData;
    private List<Plan> backwardDataRivals = List.of();
    private Plan backwardWeights;
    /** The output gradient as {@link #backwardWeights} reads it: {@code dy} itself, or its reordered copy. */
    private memory gradOutCopy;

    /**
     * A forward plan with its descriptor (the backward passes take it as their hint) and the input
     * as its convolution reads it: {@code x} itself, or the plan's reordered copy.
     */
    private record Forward(convolution_forward.primitive_desc descriptor, Plan plan, memory source) {
    }

    public OneDnnConvolution(Geometry g) {
        this.geometry = g;
        // A blocked input or output is already in the layout the kernels prefer: no reorder.
        x = user(g.input, g.blockedInput ? memory.format_tag.aBcd16b : memory.format_tag.nchw);
        w = user(g.weights, memory.format_tag.oihw);
        y = user(g.output, g.blockedOutput ? memory.format_tag.aBcd16b : memory.format_tag.nchw);
        dy = user(g.output, memory.format_tag.nchw);
        dx = user(g.input, memory.format_tag.nchw);
        dw = user(g.weights, memory.format_tag.oihw);
        long[] biasShape = {g.weights[0]};
        b = g.bias ? user(biasShape, memory.format_tag.x) : null;
        db = g.bias ? user(biasShape, memory.format_tag.x) : null;
        List<Forward> candidates = distinct(Arrays.asList(forwardPlan(algorithm.convolution_auto, memory.format_tag.any),
                forwardPlan(algorithm.convolution_direct, memory.format_tag.any),
                forwardPlan(algorithm.convolution_auto, memory.format_tag.nchw)), f -> f.plan, chosen(g, "forward"));
        forward = candidates.get(0);
        forwardRivals = candidates.subList(1, candidates.size());
    }

    /** {@code y = conv(x, w) + b}; {@code b} null when the geometry has no bias. */
    public void forward(INDArray xa, INDArray wa, INDArray ba, INDArray ya) {
        bind(x, xa);
        bind(w, wa);
        bind(y, ya);
        if (b != null) {
            bind(b, ba);
        }
        if (!forwardRivals.isEmpty()) {
            List<Forward> all = new ArrayList<>(forwardRivals);
            all.add(0, forward);
            Plan best = fastest(all.stream().map(Forward::plan).toList());
            choose(geometry, "forward", best);
            forward = all.stream().filter(f -> f.plan == best).findFirst().orElseThrow();
            forwardRivals = List.of();
        }
        forward.plan.run();
    }

    /**
     * The gradients of the weights, of the bias (when the geometry has one) and, unless {@code dxa}
     * is null, of the input.
     */
    public void backward(INDArray xa, INDArray wa, INDArray dya, INDArray dxa, INDArray dwa, INDArray dba) {
        if (geometry.relu || geometry.blockedInput || geometry.blockedOutput) {
            throw new UnsupportedOperationException("a convolution with a fused ReLU or blocked layouts belongs to a folded inference graph");
        }
        if (backwardWeights == null) {
            backwardWeights = weightsPlan();
        }
        bind(x, xa);
        bind(w, wa);
        bind(dy, dya);
        bind(dw, dwa);
        if (db != null) {
            bind(db, dba);
        }
        // First: the input-gradient plans read the copy of dy that this one reorders.
        backwardWeights.run();
        if (dxa == null) {
            return;
        }
        bind(dx, dxa);
        if (backwardData == null) {
            List<Plan> candidates = distinct(Arrays.asList(dataPlan(algorithm.convolution_auto, memory.format_tag.any),
                    dataPlan(algorithm.convolution_direct, memory.format_tag.any),
                    dataPlan(algorithm.convolution_auto, memory.format_tag.nchw)), p -> p, chosen(geometry, "input gradient"));
            backwardData = candidates.get(0);
            backwardDataRivals = candidates.subList(1, candidates.size());
        }
        if (!backwardDataRivals.isEmpty()) {
            List<Plan> all = new ArrayList<>(backwardDataRivals);
            all.add(0, backwardData);
            backwardData = fastest(all);
            choose(geometry, "input gradient", backwardData);
            backwardDataRivals = List.of();
        }
        backwardData.run();
    }

    /**
     * Frees oneDNN's buffers for this geometry. They are native memory the garbage collector does
     * not see, so a layer that drops a geometry (a new batch size) closes it instead of waiting.
     */
    @Override
    public void close() {
        forward.plan.close();
        forwardRivals.forEach(f -> f.plan.close());
        for (Plan p : new Plan[] {backwardData, backwardWeights}) {
            if (p != null) {
                p.close();
            }
        }
        backwardDataRivals.forEach(Plan::close);
        for (memory m : new memory[] {x, w, b, y, dy, dx, dw, db}) {
            if (m != null) {
                m.close();
            }
        }
    }

    /**
     * Of plans that compute the same thing, the one fastest on this call's arrays; the others are
     * closed. oneDNN's own pick is not always the fastest: Winograd loses badly to the direct kernel
     * at few channels and large planes (PSPNet's second layer) and wins at many channels; and writing ND4J's plain layout directly
     * (a GEMM-based kernel) can beat a blocked kernel plus its reorders. A few runs of each, once per
     * layer and input shape, settle it on the machine at hand, as cuDNN's benchmark mode does.
     */
    private static Plan fastest(List<Plan> plans) {
        for (Plan p : plans) {
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
        Plan chosen = plans.get(winner);
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
    private static <T> List<T> distinct(List<T> candidates, java.util.function.Function<T, Plan> plan, String chosen) {
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

    /**
     * A forward plan with oneDNN's choice of layouts ({@code output} {@code any}), or writing ND4J's
     * plain layout ({@code nchw}: oneDNN then runs a GEMM-based kernel on plain arrays, with no
     * reorders); null when oneDNN has no kernel for the combination.
     *
     * <p>forward_training for inference too: forward_inference made the networks' inference slower
     * here (oneDNN picks other kernels for it).
     */
    private Forward forwardPlan(algorithm algo, memory.format_tag output) {
        Geometry g = geometry;
        long[] biasShape = {g.weights[0]};
        convolution_forward.primitive_desc descriptor;
        try {
            descriptor = new convolution_forward.primitive_desc(new convolution_forward.desc(prop_kind.forward_training,
                    algo, any(g.input), any(g.weights), g.bias ? desc(biasShape, memory.format_tag.x) : new memory.desc(),
                    desc(g.output, output), dims(g.strides), dilates(g), dims(g.padBefore), dims(g.padAfter)),
                    g.relu ? RELU_ATTRIBUTES : ATTRIBUTES, ENGINE);
        } catch (RuntimeException unsupported) {
            return null;
        }
        Plan p = new Plan();
        p.own(descriptor);
        memory src = p.in(x, descriptor.src_desc());
        memory weights = p.in(w, descriptor.weights_desc());
        memory dst = p.scratch(y, descriptor.dst_desc());
        p.add(new convolution_forward(descriptor), args(DNNL_ARG_SRC, src, DNNL_ARG_WEIGHTS, weights, DNNL_ARG_BIAS, b,
                DNNL_ARG_DST, dst), descriptor.scratchpad_desc(), descriptor.impl_info_str().getString());
        p.out(dst, y);
        return new Forward(descriptor, p, src);
    }

    /** As {@link #forwardPlan}, for the input gradient ({@code inputGradient} its layout). */
    private Plan dataPlan(algorithm algo, memory.format_tag inputGradient) {
        Geometry g = geometry;
        convolution_backward_data.primitive_desc descriptor;
        try {
            descriptor = new convolution_backward_data.primitive_desc(new convolution_backward_data.desc(algo,
                    desc(g.input, inputGradient), any(g.weights), any(g.output), dims(g.strides), dilates(g),
                    dims(g.padBefore), dims(g.padAfter)), ATTRIBUTES, ENGINE, forward.descriptor);
        } catch (RuntimeException unsupported) {
            return null;
        }
        Plan p = new Plan();
        p.own(descriptor);
        memory gradOut = gradOutCopy.get_desc().equals(descriptor.diff_dst_desc()) ? gradOutCopy
                : p.in(dy, descriptor.diff_dst_desc());
        memory weights = p.in(w, descriptor.weights_desc());
        memory gradIn = p.scratch(dx, descriptor.diff_src_desc());
        p.add(new convolution_backward_data(descriptor), args(DNNL_ARG_DIFF_DST, gradOut, DNNL_ARG_WEIGHTS, weights,
                DNNL_ARG_DIFF_SRC, gradIn), descriptor.scratchpad_desc(), descriptor.impl_info_str().getString());
        p.out(gradIn, dx);
        return p;
    }

    private Plan weightsPlan() {
        Geometry g = geometry;
        convolution_backward_weights.primitive_desc descriptor = new convolution_backward_weights.primitive_desc(
                new convolution_backward_weights.desc(algorithm.convolution_auto, any(g.input), any(g.weights),
                        g.bias ? desc(new long[] {g.weights[0]}, memory.format_tag.x) : new memory.desc(), any(g.output),
                        dims(g.strides), dilates(g), dims(g.padBefore), dims(g.padAfter)), ATTRIBUTES, ENGINE, forward.descriptor);
        Plan p = new Plan();
        p.own(descriptor);
        // The weight gradient reads the input in the layout the forward pass reordered it to, as a
        // rule: then it reads that copy, still there from the forward pass of this same batch.
        memory src = forward.source.get_desc().equals(descriptor.src_desc()) ? forward.source
                : p.in(x, descriptor.src_desc());
        memory gradOut = p.in(dy, descriptor.diff_dst_desc());
        gradOutCopy = gradOut;
        memory gradWeights = p.scratch(dw, descriptor.diff_weights_desc());
        p.add(new convolution_backward_weights(descriptor), args(DNNL_ARG_SRC, src, DNNL_ARG_DIFF_DST, gradOut,
                DNNL_ARG_DIFF_WEIGHTS, gradWeights, DNNL_ARG_DIFF_BIAS, db), descriptor.scratchpad_desc(),
                descriptor.impl_info_str().getString());
        p.out(gradWeights, dw);
        return p;
    }

    /** Primitives in order with their arguments, and the reorders to and from the arrays' layouts. */
    private static final class Plan implements AutoCloseable {
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
    }

    /** Pairs of (argument, memory); a null memory (no bias) is left out. */
    private static IntMemoryMap args(Object... pairs) {
        IntMemoryMap map = new IntMemoryMap();
        for (int i = 0; i < pairs.length; i += 2) {
            if (pairs[i + 1] != null) {
                map.put((Integer) pairs[i], (memory) pairs[i + 1]);
            }
        }
        return map;
    }

    private static memory user(long[] shape, memory.format_tag tag) {
        return new memory(desc(shape, tag), ENGINE, new Pointer()); // no buffer of its own: bound on each call
    }

    private static memory.desc desc(long[] shape, memory.format_tag tag) {
        return new memory.desc(dims(shape), memory.data_type.f32, tag);
    }

    private static memory.desc any(long[] shape) {
        return desc(shape, memory.format_tag.any);
    }

    /** oneDNN counts dilation from 0 (no gaps between taps), DL4J from 1. */
    private static LongPointer dilates(Geometry g) {
        return dims(new long[] {g.dilation[0] - 1, g.dilation[1] - 1});
    }

    private static LongPointer dims(long[] values) {
        return new LongPointer(values);
    }

    /** Points {@code m} at the elements of a c-contiguous float array. */
    public static void bind(memory m, INDArray a) {
        if (a.dataType() != DataType.FLOAT || !FloatArrays.isDense(a)) {
            throw new IllegalArgumentException("expected a c-contiguous float array, got " + a.dataType() + " "
                    + a.shapeInfoToString());
        }
        long start = a.data().address() + a.offset() * Float.BYTES;
        m.set_data_handle(new Pointer() {
            {
                // Inside this subclass "address" is Pointer's own field, hence the other local name.
                address = start;
            }
        });
    }
}
