package dev.segplatform.core.model.kernel;

import static dev.segplatform.core.model.kernel.OneDnnEngine.ENGINE;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_BIAS;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_BIAS;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_DST;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_SRC;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_WEIGHTS;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DST;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SRC;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_WEIGHTS;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.dnnl.convolution_backward_data;
import org.bytedeco.dnnl.convolution_backward_weights;
import org.bytedeco.dnnl.convolution_forward;
import org.bytedeco.dnnl.global.dnnl.algorithm;
import org.bytedeco.dnnl.global.dnnl.prop_kind;
import org.bytedeco.dnnl.memory;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.Pointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * One float NCHW 2-D convolution of one {@link Geometry}, run by oneDNN through its own Java
 * bindings: the primitive descriptors, primitives and reorders are created once and run on every
 * call, on the arrays of that call. Where oneDNN's own pick ({@code convolution_auto}: Winograd
 * for most 3x3 layers here) differs from its direct kernel, the first call of a shape times both
 * and keeps the faster ({@code ConvolutionPlan.fastest}, the plans in their own file). oneDNN picks
 * its preferred memory layouts; the reorders between those and the plain layouts of ND4J's arrays are
 * part of each call.
 *
 * <p>Why not ND4J's {@code conv2d} ops, which call the same library: they build every descriptor
 * and primitive anew on each call and always use the direct algorithm ({@code bin/bench models}
 * shows the difference on the networks' layer shapes).
 */
public final class OneDnnConvolution implements AutoCloseable {

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

    /** oneDNN's channel block in the {@code aBcd16b} layout that linked convolutions exchange. */
    private static final int BLOCK = 16;

    private static String chosen(Geometry g, String pass) {
        synchronized (CHOICES) {
            return CHOICES.get(pass + " " + g);
        }
    }

    private static void choose(Geometry g, String pass, ConvolutionPlan winner) {
        synchronized (CHOICES) {
            CHOICES.put(pass + " " + g, winner.signature());
        }
    }

    /**
     * What the primitives are built for: NCHW input {@code [N, C, H, W]}, OIHW weights, output,
     * strides, dilation (1 = none), the padding before (top, left) and after (bottom, right) each
     * spatial axis, and the OpenMP threads of the thread that builds them. oneDNN fixes a
     * convolution's thread count when it builds the primitive: one built on two threads forks a
     * second thread on every run, even from a thread set to one, so two single-threaded serving
     * copies would run four threads on two cores. A thread with another count gets primitives of its own.
     */
    public record Geometry(long[] input, long[] weights, long[] output, long[] strides, long[] dilation, long[] padBefore,
            long[] padAfter, boolean bias, boolean relu, boolean blockedInput, boolean blockedOutput, boolean fixedWeights,
            int threads) {

        @Override
        public boolean equals(Object o) {
            return o instanceof Geometry g && Arrays.equals(input, g.input) && Arrays.equals(weights, g.weights)
                    && Arrays.equals(output, g.output) && Arrays.equals(strides, g.strides) && Arrays.equals(dilation, g.dilation)
                    && Arrays.equals(padBefore, g.padBefore) && Arrays.equals(padAfter, g.padAfter) && bias == g.bias
                    && relu == g.relu && blockedInput == g.blockedInput && blockedOutput == g.blockedOutput
                    && fixedWeights == g.fixedWeights && threads == g.threads;
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(new int[] {Arrays.hashCode(input), Arrays.hashCode(weights), Arrays.hashCode(output),
                Arrays.hashCode(strides), Arrays.hashCode(dilation), Arrays.hashCode(padBefore), Arrays.hashCode(padAfter), Boolean.hashCode(bias), Boolean.hashCode(relu), Boolean.hashCode(blockedInput),
                Boolean.hashCode(blockedOutput), Boolean.hashCode(fixedWeights), threads});
        }

        @Override
        public String toString() {
            return Arrays.toString(input) + " * " + Arrays.toString(weights) + " -> " + Arrays.toString(output) + ", strides "
                    + Arrays.toString(strides) + ", dilation " + Arrays.toString(dilation) + ", padding " + Arrays.toString(padBefore) + "/" + Arrays.toString(padAfter)
                    + (relu ? ", then ReLU" : "") + (blockedInput ? ", blocked input" : "")
                    + (blockedOutput ? ", blocked output" : "") + (fixedWeights ? ", fixed weights" : "")
                    + ", " + threads + " thread(s)";
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
    private ConvolutionPlan backwardData;
    private List<ConvolutionPlan> backwardDataRivals = List.of();
    private ConvolutionPlan backwardWeights;
    /** The output gradient as {@link #backwardWeights} reads it: {@code dy} itself, or its reordered copy. */
    private memory gradOutCopy;

    /**
     * A forward plan with its descriptor (the backward passes take it as their hint) and the input
     * as its convolution reads it: {@code x} itself, or the plan's reordered copy.
     */
    private record Forward(convolution_forward.primitive_desc descriptor, ConvolutionPlan plan, memory source,
            List<memory> inputViews, List<memory> outputViews) {

        Forward(convolution_forward.primitive_desc descriptor, ConvolutionPlan plan, memory source) {
            this(descriptor, plan, source, List.of(), List.of());
        }

        /** Points the plan's own views of the call's input and output (a phased plan's) at this call's arrays. */
        void bindViews(INDArray xa, INDArray ya) {
            inputViews.forEach(v -> bind(v, xa));
            outputViews.forEach(v -> bind(v, ya));
        }
    }

    public OneDnnConvolution(Geometry g) {
        this(g, false);
    }

    /** With {@code phasedOnly}, the phased plan alone (for tests that must run it), refused where it does not apply. */
    OneDnnConvolution(Geometry g, boolean phasedOnly) {
        this.geometry = g;
        // A blocked input or output is already in the layout the kernels prefer: no reorder.
        x = user(g.input, g.blockedInput ? memory.format_tag.aBcd16b : memory.format_tag.nchw);
        w = user(g.weights, memory.format_tag.oihw);
        y = user(g.output, g.blockedOutput ? memory.format_tag.aBcd16b : memory.format_tag.nchw);
        // Gradients have the layout of what they are the gradient of.
        dy = user(g.output, g.blockedOutput ? memory.format_tag.aBcd16b : memory.format_tag.nchw);
        dx = user(g.input, g.blockedInput ? memory.format_tag.aBcd16b : memory.format_tag.nchw);
        dw = user(g.weights, memory.format_tag.oihw);
        long[] biasShape = {g.weights[0]};
        b = g.bias ? user(biasShape, memory.format_tag.x) : null;
        db = g.bias ? user(biasShape, memory.format_tag.x) : null;
        if (phasedOnly) {
            forward = phasedPlan(algorithm.convolution_auto);
            if (forward == null) {
                throw new IllegalArgumentException("no phased plan for " + g);
            }
            return;
        }
        List<Forward> candidates = ConvolutionPlan.distinct(Arrays.asList(forwardPlan(algorithm.convolution_auto, memory.format_tag.any),
                forwardPlan(algorithm.convolution_direct, memory.format_tag.any),
                forwardPlan(algorithm.convolution_auto, memory.format_tag.nchw), phasedPlan(algorithm.convolution_auto),
                phasedPlan(algorithm.convolution_direct)), f -> f.plan, chosen(g, "forward"));
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
        forward.bindViews(xa, ya);
        if (!forwardRivals.isEmpty()) {
            List<Forward> all = new ArrayList<>(forwardRivals);
            all.add(0, forward);
            all.forEach(f -> f.bindViews(xa, ya));
            ConvolutionPlan best = ConvolutionPlan.fastest(all.stream().map(Forward::plan).toList());
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
        if (geometry.relu || geometry.fixedWeights) {
            throw new UnsupportedOperationException("a convolution with a fused ReLU or fixed weights belongs to a folded inference graph");
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
            List<ConvolutionPlan> candidates = ConvolutionPlan.distinct(Arrays.asList(dataPlan(algorithm.convolution_auto, memory.format_tag.any),
                    dataPlan(algorithm.convolution_direct, memory.format_tag.any),
                    dataPlan(algorithm.convolution_auto, memory.format_tag.nchw)), p -> p, chosen(geometry, "input gradient"));
            backwardData = candidates.get(0);
            backwardDataRivals = candidates.subList(1, candidates.size());
        }
        if (!backwardDataRivals.isEmpty()) {
            List<ConvolutionPlan> all = new ArrayList<>(backwardDataRivals);
            all.add(0, backwardData);
            backwardData = ConvolutionPlan.fastest(all);
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
        for (ConvolutionPlan p : new ConvolutionPlan[] {backwardData, backwardWeights}) {
            if (p != null) {
                p.close();
            }
        }
        backwardDataRivals.forEach(ConvolutionPlan::close);
        for (memory m : new memory[] {x, w, b, y, dy, dx, dw, db}) {
            if (m != null) {
                m.close();
            }
        }
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
                    g.relu ? ConvolutionPlan.RELU_ATTRIBUTES : ConvolutionPlan.ATTRIBUTES, ENGINE);
        } catch (RuntimeException unsupported) {
            return null;
        }
        ConvolutionPlan p = new ConvolutionPlan();
        p.own(descriptor);
        memory src = p.in(x, descriptor.src_desc());
        // Fixed weights (a folded graph's) are reordered to the kernel's layout once, not on every call.
        memory weights = g.fixedWeights ? p.fixed(w, descriptor.weights_desc()) : p.in(w, descriptor.weights_desc());
        memory dst = p.scratch(y, descriptor.dst_desc());
        p.add(new convolution_forward(descriptor), ConvolutionPlan.args(DNNL_ARG_SRC, src, DNNL_ARG_WEIGHTS, weights, DNNL_ARG_BIAS, b,
                DNNL_ARG_DST, dst), descriptor.scratchpad_desc(), descriptor.impl_info_str().getString());
        p.out(dst, y);
        return new Forward(descriptor, p, src);
    }

    /**
     * A dilated convolution as a plain one on its phases, or null where that does not apply. With
     * dilation {@code d}, the taps {@code y - d, y, y + d} of an output pixel all lie in the pixel's
     * phase ({@code y mod d}), so moving the {@code d x d} phases into the batch ({@code [N, C, H, W]
     * -> [d*d*N, C, H/d, W/d]}) turns the convolution into an undilated one with padding {@code (k -
     * 1) / 2}, which oneDNN can run with Winograd's algorithm; the zero padding at the image's edge
     * falls on the same taps both ways. The phases are moved by two reorders that read and write
     * strided views, here of arrays in the blocked layout: only for the convolutions a folded
     * inference graph links up (blocked input and output, fixed weights, no backward pass), where PSPNet's
     * dilation-2 stage ran 1.6x faster so; the timing in {@link #forward} decides each shape.
     */
    private Forward phasedPlan(algorithm algo) {
        Geometry g = geometry;
        long d = g.dilation[0];
        long n = g.input[0];
        long c = g.input[1];
        long height = g.input[2];
        long width = g.input[3];
        long o = g.output[1];
        boolean applies = g.fixedWeights && g.blockedInput && g.blockedOutput && d > 1 && g.dilation[1] == d && g.strides[0] == 1
                && g.strides[1] == 1 && height % d == 0 && width % d == 0 && c % BLOCK == 0 && o % BLOCK == 0
                && Arrays.equals(g.output, new long[] {n, o, height, width});
        for (int axis = 0; applies && axis < 2; axis++) {
            long k = g.weights[2 + axis];
            applies = k % 2 == 1 && g.padBefore[axis] == d * (k - 1) / 2 && g.padAfter[axis] == g.padBefore[axis];
        }
        if (!applies) {
            return null;
        }
        long[] phaseIn = {d * d * n, c, height / d, width / d};
        long[] phaseOut = {d * d * n, o, height / d, width / d};
        long[] pad = {(g.weights[2] - 1) / 2, (g.weights[3] - 1) / 2};
        convolution_forward.primitive_desc descriptor;
        try {
            descriptor = new convolution_forward.primitive_desc(new convolution_forward.desc(prop_kind.forward_training, algo,
                    desc(phaseIn, memory.format_tag.aBcd16b), any(g.weights),
                    g.bias ? desc(new long[] {o}, memory.format_tag.x) : new memory.desc(),
                    desc(phaseOut, memory.format_tag.aBcd16b), dims(new long[] {1, 1}), dims(new long[] {0, 0}), dims(pad),
                    dims(pad)), g.relu ? ConvolutionPlan.RELU_ATTRIBUTES : ConvolutionPlan.ATTRIBUTES, ENGINE);
        } catch (RuntimeException unsupported) {
            return null;
        }
        ConvolutionPlan p = new ConvolutionPlan();
        p.own(descriptor);
        memory inputView = p.view(phaseView(g.input, d, true), null);
        memory phases = p.buffer(descriptor.src_desc());
        p.reorder(inputView, p.view(phaseView(g.input, d, false), phases));
        memory weights = g.fixedWeights ? p.fixed(w, descriptor.weights_desc()) : p.in(w, descriptor.weights_desc());
        memory phasesOut = p.buffer(descriptor.dst_desc());
        p.add(new convolution_forward(descriptor), ConvolutionPlan.args(DNNL_ARG_SRC, phases, DNNL_ARG_WEIGHTS, weights,
                DNNL_ARG_BIAS, b, DNNL_ARG_DST, phasesOut), descriptor.scratchpad_desc(),
                "phases of " + descriptor.impl_info_str().getString());
        memory outputView = p.view(phaseView(g.output, d, true), null);
        p.reorder(p.view(phaseView(g.output, d, false), phasesOut), outputView);
        return new Forward(descriptor, p, phases, List.of(inputView), List.of(outputView));
    }

    /**
     * A {@code [N, C, H, W]} array in the {@code aBcd16b} layout seen as {@code [d, d, N, C/16, H/d,
     * W/d, 16]} (row phase, column phase, image, channel block, row, column, channel in block):
     * {@code spatial}, the strides of the array itself; otherwise those of the dense array of that
     * shape, which is the {@code aBcd16b} layout of {@code [d*d*N, C, H/d, W/d]}, the phases as images.
     */
    private static memory.desc phaseView(long[] nchw, long d, boolean spatial) {
        long n = nchw[0];
        long c = nchw[1];
        long h = nchw[2];
        long w = nchw[3];
        long[] shape = {d, d, n, c / BLOCK, h / d, w / d, BLOCK};
        long[] strides = spatial ? new long[] {w * BLOCK, BLOCK, c * h * w, h * w * BLOCK, d * w * BLOCK, d * BLOCK, 1}
                : new long[] {d * n * c * (h / d) * (w / d), n * c * (h / d) * (w / d), c * (h / d) * (w / d),
                    (h / d) * (w / d) * BLOCK, (w / d) * BLOCK, BLOCK, 1};
        return new memory.desc(shape, memory.data_type.f32, strides);
    }

    /** As {@link #forwardPlan}, for the input gradient ({@code inputGradient} its layout). */
    private ConvolutionPlan dataPlan(algorithm algo, memory.format_tag inputGradient) {
        Geometry g = geometry;
        convolution_backward_data.primitive_desc descriptor;
        try {
            descriptor = new convolution_backward_data.primitive_desc(new convolution_backward_data.desc(algo,
                    desc(g.input, inputGradient), any(g.weights), any(g.output), dims(g.strides), dilates(g),
                    dims(g.padBefore), dims(g.padAfter)), ConvolutionPlan.ATTRIBUTES, ENGINE, forward.descriptor);
        } catch (RuntimeException unsupported) {
            return null;
        }
        ConvolutionPlan p = new ConvolutionPlan();
        p.own(descriptor);
        memory gradOut = gradOutCopy.get_desc().equals(descriptor.diff_dst_desc()) ? gradOutCopy
                : p.in(dy, descriptor.diff_dst_desc());
        memory weights = p.in(w, descriptor.weights_desc());
        memory gradIn = p.scratch(dx, descriptor.diff_src_desc());
        p.add(new convolution_backward_data(descriptor), ConvolutionPlan.args(DNNL_ARG_DIFF_DST, gradOut, DNNL_ARG_WEIGHTS, weights,
                DNNL_ARG_DIFF_SRC, gradIn), descriptor.scratchpad_desc(), descriptor.impl_info_str().getString());
        p.out(gradIn, dx);
        return p;
    }

    private ConvolutionPlan weightsPlan() {
        Geometry g = geometry;
        convolution_backward_weights.primitive_desc descriptor = new convolution_backward_weights.primitive_desc(
                new convolution_backward_weights.desc(algorithm.convolution_auto, any(g.input), any(g.weights),
                        g.bias ? desc(new long[] {g.weights[0]}, memory.format_tag.x) : new memory.desc(), any(g.output),
                        dims(g.strides), dilates(g), dims(g.padBefore), dims(g.padAfter)), ConvolutionPlan.ATTRIBUTES, ENGINE, forward.descriptor);
        ConvolutionPlan p = new ConvolutionPlan();
        p.own(descriptor);
        // The weight gradient reads the input in the layout the forward pass reordered it to, as a
        // rule: then it reads that copy, still there from the forward pass of this same batch.
        memory src = forward.source.get_desc().equals(descriptor.src_desc()) ? forward.source
                : p.in(x, descriptor.src_desc());
        memory gradOut = p.in(dy, descriptor.diff_dst_desc());
        gradOutCopy = gradOut;
        memory gradWeights = p.scratch(dw, descriptor.diff_weights_desc());
        p.add(new convolution_backward_weights(descriptor), ConvolutionPlan.args(DNNL_ARG_SRC, src, DNNL_ARG_DIFF_DST, gradOut,
                DNNL_ARG_DIFF_WEIGHTS, gradWeights, DNNL_ARG_DIFF_BIAS, db), descriptor.scratchpad_desc(),
                descriptor.impl_info_str().getString());
        p.out(gradWeights, dw);
        return p;
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
