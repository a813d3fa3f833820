package dev.segplatform.core.model.layer;

import dev.segplatform.core.model.kernel.FloatArrays;
import dev.segplatform.core.model.kernel.OneDnn;
import dev.segplatform.core.model.kernel.OneDnnConvolution;
import dev.segplatform.core.runtime.NativeBackend;
import dev.segplatform.core.runtime.OpenMpThreads;
import java.util.LinkedHashMap;
import java.util.Map;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.convolution.ConvolutionLayer;
import org.deeplearning4j.nn.params.ConvolutionParamInitializer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.deeplearning4j.util.ConvolutionUtils;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/** The runtime side of {@link FastConvolution}. */
final class FastConvolutionImpl extends ConvolutionLayer {

    /**
     * Input shapes whose primitives a layer keeps. Training sees two (the batch and the last, partial
     * one); the inference service's dynamic batching sends every batch size from 1 to its maximum (8
     * by default), and a shape dropped here is built again on its next call (oneDNN compiles its
     * kernels then, and reorders the weights), so the cache holds them all. Each kept shape costs its
     * primitives and oneDNN's reordered copies of the weights and of the batch's activations.
     */
    static final int SHAPES_KEPT = 12;

    private final boolean enabled;
    private final Map<OneDnnConvolution.Geometry, OneDnnConvolution> convolutions = new LinkedHashMap<>(8, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<OneDnnConvolution.Geometry, OneDnnConvolution> eldest) {
            if (size() <= SHAPES_KEPT) {
                return false;
            }
            eldest.getValue().close();
            return true;
        }
    };

    FastConvolutionImpl(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
        enabled = oneDnnEnabled();
    }

    /** Whether convolutions run in oneDNN in this JVM (else in DL4J's layer). */
    static boolean oneDnnEnabled() {
        return OneDnn.AVAILABLE && Boolean.parseBoolean(System.getProperty(NativeBackend.ONEDNN_CONVOLUTION_PROPERTY, "true"));
    }

    /** What oneDNN needs for this input, or null when the fast path does not apply to it. */
    private OneDnnConvolution.Geometry geometry(INDArray x) {
        org.deeplearning4j.nn.conf.layers.ConvolutionLayer c = layerConf();
        if (!enabled || x.dataType() != DataType.FLOAT || x.rank() != 4 || c.getCnn2dDataFormat() != CNN2DFormat.NCHW
                || !(c.getActivationFn() instanceof ActivationIdentity) || c.getIDropout() != null || c.getWeightNoise() != null
                || x.size(1) != c.getNIn()) {
            return null;
        }
        int[] kernel = c.getKernelSize();
        int[] stride = c.getStride();
        int[] dilation = c.getDilation();
        long[] in = {x.size(2), x.size(3)};
        long[] out = new long[2];
        long[] before = new long[2];
        long[] after = new long[2];
        int[] same = null;
        if (c.getConvolutionMode() == ConvolutionMode.Same) {
            int[] outSize = {(int) ((in[0] + stride[0] - 1) / stride[0]), (int) ((in[1] + stride[1] - 1) / stride[1])};
            same = ConvolutionUtils.getSameModeTopLeftPadding(outSize, new int[] {(int) in[0], (int) in[1]}, kernel, stride,
                    dilation);
        } else if (c.getConvolutionMode() != ConvolutionMode.Truncate) {
            return null;
        }
        for (int i = 0; i < 2; i++) {
            long extent = (long) (kernel[i] - 1) * dilation[i] + 1;
            before[i] = same != null ? same[i] : c.getPadding()[i];
            out[i] = same != null ? (in[i] + stride[i] - 1) / stride[i] : (in[i] + 2L * before[i] - extent) / stride[i] + 1;
            // DL4J's "same" mode pads the bottom and right with what is left; truncation drops the rest.
            after[i] = (out[i] - 1) * stride[i] + extent - in[i] - before[i];
            if (out[i] < 1 || after[i] < 0) {
                return null;
            }
        }
        long n = x.size(0);
        return new OneDnnConvolution.Geometry(new long[] {n, c.getNIn(), in[0], in[1]},
                new long[] {c.getNOut(), c.getNIn(), kernel[0], kernel[1]}, new long[] {n, c.getNOut(), out[0], out[1]},
                new long[] {stride[0], stride[1]}, new long[] {dilation[0], dilation[1]}, before, after, c.hasBias(),
                fusedRelu(), ((FastConvolution) c).isBlockedInput(), ((FastConvolution) c).isBlockedOutput(),
                ((FastConvolution) c).hasFixedWeights(), OpenMpThreads.current());
    }

    private boolean fusedRelu() {
        return ((FastConvolution) layerConf()).isFusedRelu();
    }

    /** How many input shapes have oneDNN primitives now: 0 means every call went to DL4J's layer. */
    int shapesBuilt() {
        return convolutions.size();
    }

    private OneDnnConvolution convolution(OneDnnConvolution.Geometry g) {
        return convolutions.computeIfAbsent(g, OneDnnConvolution::new);
    }

    /**
     * DL4J's layer reads and writes NCHW. Where oneDNN is off, or the network is in double precision,
     * the layers at the other end of this one's links fall back to NCHW too ({@link BlockedLinks});
     * any other input that oneDNN cannot take on a linked layer would be read in the wrong order.
     */
    private void refuseBlocked() {
        FastConvolution c = (FastConvolution) layerConf();
        if ((c.isBlockedInput() || c.isBlockedOutput()) && enabled && input.dataType() == DataType.FLOAT) {
            throw new IllegalStateException(layerId() + " exchanges oneDNN's blocked layout, which only oneDNN reads; input "
                    + input.shapeInfoToString());
        }
    }

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(false);
        OneDnnConvolution.Geometry g = geometry(input);
        if (g == null) {
            refuseBlocked();
            INDArray out = super.activate(training, workspaceMgr);
            return fusedRelu() ? Transforms.relu(out, false) : out;
        }
        INDArray out = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, DataType.FLOAT, g.output(), 'c');
        convolution(g).forward(FloatArrays.dense(input), FloatArrays.dense(getParam(ConvolutionParamInitializer.WEIGHT_KEY)),
                hasBias() ? FloatArrays.dense(getParam(ConvolutionParamInitializer.BIAS_KEY)) : null, out);
        return out;
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(true);
        if (fusedRelu()) {
            throw new UnsupportedOperationException(layerId() + " has a fused ReLU: it belongs to a folded inference graph");
        }
        OneDnnConvolution.Geometry g = geometry(input);
        if (g == null || epsilon.dataType() != DataType.FLOAT) {
            refuseBlocked();
            return super.backpropGradient(epsilon, workspaceMgr);
        }
        INDArray dx = ((FastConvolution) layerConf()).computesInputGradient()
                ? workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, DataType.FLOAT, g.input(), 'c') : null;
        INDArray dW = gradientViews.get(ConvolutionParamInitializer.WEIGHT_KEY);
        INDArray dB = hasBias() ? gradientViews.get(ConvolutionParamInitializer.BIAS_KEY) : null;
        convolution(g).backward(FloatArrays.dense(input), FloatArrays.dense(getParam(ConvolutionParamInitializer.WEIGHT_KEY)),
                FloatArrays.dense(epsilon), dx, dW, dB);
        Gradient gradient = new DefaultGradient();
        if (dB != null) {
            gradient.setGradientFor(ConvolutionParamInitializer.BIAS_KEY, dB);
        }
        gradient.setGradientFor(ConvolutionParamInitializer.WEIGHT_KEY, dW, 'c');
        return new Pair<>(gradient, dx);
    }
}
