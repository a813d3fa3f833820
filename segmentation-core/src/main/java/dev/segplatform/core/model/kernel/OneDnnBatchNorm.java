package dev.segplatform.core.model.kernel;

import static dev.segplatform.core.model.kernel.OneDnnEngine.ENGINE;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_DST;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_SCALE;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_SHIFT;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_SRC;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DST;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_MEAN;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SCALE;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SHIFT;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SRC;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_VARIANCE;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_WORKSPACE;

import java.util.Arrays;
import org.bytedeco.dnnl.batch_normalization_backward;
import org.bytedeco.dnnl.batch_normalization_forward;
import org.bytedeco.dnnl.global.dnnl.normalization_flags;
import org.bytedeco.dnnl.global.dnnl.prop_kind;
import org.bytedeco.dnnl.memory;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.LongPointer;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Batch normalization (and the ReLU after it) of one float {@code [N, C, H, W]} shape held in
 * oneDNN's channel-blocked layout ({@code aBcd16b}), which a training graph's convolutions hand
 * their batch norms ({@code BlockedLinks}): forward with the batch's statistics,
 * forward with fixed ones, and backward, by oneDNN's JIT kernels on every core. The output, and the
 * gradient that comes back to it, are blocked too or plain NCHW (then reordered here).
 *
 * <p>Why blocked only: on the networks' shapes oneDNN's kernel for the blocked layout ran forward and
 * backward 6-8x faster than the Java loops of {@code FusedBatchNormImpl} (0.30 against 2.1-2.5 ms
 * at {@code [16, 16, 64, 64]}), while its kernel for NCHW ran 1.3-5x slower than them.
 */
public final class OneDnnBatchNorm implements AutoCloseable {

    private final int channels;
    private final memory x;
    private final memory y;
    private final memory dy;
    private final memory dx;
    private final memory gamma;
    private final memory beta;
    private final memory dGamma;
    private final memory dBeta;
    /** The batch's statistics from the last training forward pass, which its backward pass reads. */
    private final memory mean;
    private final memory variance;
    /** The running estimates, written from Java before each inference pass. */
    private final memory fixedMean;
    private final memory fixedVariance;
    private final ConvolutionPlan training = new ConvolutionPlan();
    private final ConvolutionPlan inference = new ConvolutionPlan();
    private final ConvolutionPlan backward = new ConvolutionPlan();

    /**
     * @param shape {@code [N, C, H, W]}, {@code C} a multiple of 16
     * @param blockedOutput whether the output and its gradient are blocked (else NCHW)
     */
    public OneDnnBatchNorm(long[] shape, float epsilon, boolean relu, boolean blockedOutput) {
        if (shape.length != 4 || shape[1] % 16 != 0) {
            throw new IllegalArgumentException("a blocked batch norm needs [N, C, H, W] with C a multiple of 16, got "
                    + Arrays.toString(shape));
        }
        channels = Math.toIntExact(shape[1]);
        memory.desc blocked = desc(shape, memory.format_tag.aBcd16b);
        memory.desc outer = desc(shape, blockedOutput ? memory.format_tag.aBcd16b : memory.format_tag.nchw);
        memory.desc perChannel = desc(new long[] {shape[1]}, memory.format_tag.a);
        x = training.view(blocked, null);
        dx = backward.view(blocked, null);
        y = training.view(outer, null);
        dy = backward.view(outer, null);
        gamma = training.view(perChannel, null);
        beta = training.view(perChannel, null);
        dGamma = backward.view(perChannel, null);
        dBeta = backward.view(perChannel, null);

        int affine = normalization_flags.use_scale.value | normalization_flags.use_shift.value
                | (relu ? normalization_flags.fuse_norm_relu.value : 0);
        batch_normalization_forward.primitive_desc forward = new batch_normalization_forward.primitive_desc(
                new batch_normalization_forward.desc(prop_kind.forward_training.value, blocked, epsilon, affine),
                ConvolutionPlan.ATTRIBUTES, ENGINE);
        training.own(forward);
        mean = training.buffer(forward.mean_desc());
        variance = training.buffer(forward.variance_desc());
        // With a fused ReLU, the forward pass records where it clipped, for the backward pass.
        memory workspace = relu ? training.buffer(forward.workspace_desc()) : null;
        memory out = training.scratch(y, blocked);
        training.add(new batch_normalization_forward(forward), ConvolutionPlan.args(DNNL_ARG_SRC, x, DNNL_ARG_DST, out,
                DNNL_ARG_SCALE, gamma, DNNL_ARG_SHIFT, beta, DNNL_ARG_MEAN, mean, DNNL_ARG_VARIANCE, variance,
                DNNL_ARG_WORKSPACE, workspace), forward.scratchpad_desc(), forward.impl_info_str().getString());
        training.out(out, y);

        batch_normalization_forward.primitive_desc fixed = new batch_normalization_forward.primitive_desc(
                new batch_normalization_forward.desc(prop_kind.forward_inference.value, blocked, epsilon,
                        affine | normalization_flags.use_global_stats.value), ConvolutionPlan.ATTRIBUTES, ENGINE);
        inference.own(fixed);
        fixedMean = inference.buffer(fixed.mean_desc());
        fixedVariance = inference.buffer(fixed.variance_desc());
        memory inferenceOut = inference.scratch(y, blocked);
        inference.add(new batch_normalization_forward(fixed), ConvolutionPlan.args(DNNL_ARG_SRC, x, DNNL_ARG_DST, inferenceOut,
                DNNL_ARG_SCALE, gamma, DNNL_ARG_SHIFT, beta, DNNL_ARG_MEAN, fixedMean, DNNL_ARG_VARIANCE, fixedVariance),
                fixed.scratchpad_desc(), fixed.impl_info_str().getString());
        inference.out(inferenceOut, y);

        batch_normalization_backward.primitive_desc back = new batch_normalization_backward.primitive_desc(
                new batch_normalization_backward.desc(prop_kind.backward.value, blocked, blocked, epsilon, affine),
                ConvolutionPlan.ATTRIBUTES, ENGINE, forward);
        backward.own(back);
        memory gradOut = backward.in(dy, blocked);
        backward.add(new batch_normalization_backward(back), ConvolutionPlan.args(DNNL_ARG_SRC, x, DNNL_ARG_DIFF_DST, gradOut,
                DNNL_ARG_SCALE, gamma, DNNL_ARG_SHIFT, beta, DNNL_ARG_MEAN, mean, DNNL_ARG_VARIANCE, variance,
                DNNL_ARG_WORKSPACE, workspace, DNNL_ARG_DIFF_SRC, dx, DNNL_ARG_DIFF_SCALE, dGamma, DNNL_ARG_DIFF_SHIFT, dBeta),
                back.scratchpad_desc(), back.impl_info_str().getString());
    }

    /**
     * {@code y = relu?(gamma * (x - mean) / sqrt(var + eps) + beta)} with the batch's own mean and
     * (biased) variance, which it returns as {@code {mean, variance}} and keeps for {@link #backward}.
     * {@code gamma} and {@code beta} are dense float arrays of {@code C} elements.
     */
    public float[][] forwardTraining(INDArray xa, INDArray gammaA, INDArray betaA, INDArray ya) {
        bindForward(xa, gammaA, betaA, ya);
        training.run();
        return new float[][] {read(mean), read(variance)};
    }

    /** The same with fixed statistics (the running estimates). */
    public void forwardInference(INDArray xa, INDArray gammaA, INDArray betaA, float[] runningMean, float[] runningVariance,
            INDArray ya) {
        bindForward(xa, gammaA, betaA, ya);
        write(fixedMean, runningMean);
        write(fixedVariance, runningVariance);
        inference.run();
    }

    /**
     * The input gradient into {@code dxa} (blocked) and those of gamma and beta into {@code dGammaA}
     * and {@code dBetaA}, for the batch of the last {@link #forwardTraining} on this object.
     */
    public void backward(INDArray xa, INDArray dya, INDArray gammaA, INDArray betaA, INDArray dxa, INDArray dGammaA,
            INDArray dBetaA) {
        OneDnnConvolution.bind(x, xa);
        OneDnnConvolution.bind(dy, dya);
        OneDnnConvolution.bind(gamma, gammaA);
        OneDnnConvolution.bind(beta, betaA);
        OneDnnConvolution.bind(dx, dxa);
        OneDnnConvolution.bind(dGamma, dGammaA);
        OneDnnConvolution.bind(dBeta, dBetaA);
        backward.run();
    }

    private void bindForward(INDArray xa, INDArray gammaA, INDArray betaA, INDArray ya) {
        OneDnnConvolution.bind(x, xa);
        OneDnnConvolution.bind(gamma, gammaA);
        OneDnnConvolution.bind(beta, betaA);
        OneDnnConvolution.bind(y, ya);
    }

    private float[] read(memory m) {
        float[] values = new float[channels];
        new FloatPointer(m.get_data_handle()).get(values);
        return values;
    }

    private void write(memory m, float[] values) {
        new FloatPointer(m.get_data_handle()).put(values);
    }

    @Override
    public void close() {
        training.close();
        inference.close();
        backward.close();
    }

    private static memory.desc desc(long[] shape, memory.format_tag tag) {
        return new memory.desc(new LongPointer(shape), memory.data_type.f32, tag);
    }
}
