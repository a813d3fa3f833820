package dev.segplatform.core.model.layer;

import dev.segplatform.core.model.kernel.FloatArrays;
import dev.segplatform.core.model.kernel.OneDnnBatchNorm;
import static org.deeplearning4j.nn.params.BatchNormalizationParamInitializer.BETA;
import static org.deeplearning4j.nn.params.BatchNormalizationParamInitializer.GAMMA;
import static org.deeplearning4j.nn.params.BatchNormalizationParamInitializer.GLOBAL_LOG_STD;
import static org.deeplearning4j.nn.params.BatchNormalizationParamInitializer.GLOBAL_MEAN;
import static org.deeplearning4j.nn.params.BatchNormalizationParamInitializer.GLOBAL_VAR;

import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.normalization.BatchNormalization;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * The runtime side of {@link FusedBatchNorm}. For float NCHW activations (what the networks train
 * in) each channel is copied once into a per-thread scratch array, where its statistics, the
 * normalization and the ReLU are computed while it sits in cache, and written out once. Channels
 * run one after another on the calling thread, not in parallel: ND4J's OpenMP threads spin on the
 * other core between ops, and Java threads beside them slowed the convolutions down more than they
 * sped this up. Where the convolution before it hands it oneDNN's blocked layout ({@link
 * BlockedLinks}), the layer runs in oneDNN instead ({@link OneDnnBatchNorm}), 6-8x faster. Anything
 * else (double precision for gradient checks, NHWC) goes through DL4J's own batch norm and a ReLU
 * after it, which is also what the tests compare this path against.
 */
final class FusedBatchNormImpl extends BatchNormalization {

    /** {@code 1 / (2 ln 10)}: turns {@code ln(var_t / var_t+1)} into the change of {@code log10(std)}. */
    private static final double ONE_ON_2LOGE_10 = 1.0 / (2 * Math.log(10.0));
    /** Float partial sums are moved into a double every this many elements, so long channels keep their precision. */
    private static final int BLOCK = 1024;
    private static final ThreadLocal<float[][]> SCRATCH = ThreadLocal.withInitial(() -> new float[2][0]);

    /** The last training forward pass's per-channel statistics, which its backward pass needs. */
    private float[] batchMean;
    private float[] batchVar;
    private float[] batchInvStd;

    /** Decided when the layer is made, as its convolution decides: both ends of a link agree. */
    private final boolean oneDnn;
    /** Kernels for the blocked layout by input shape, as {@link FastConvolutionImpl} keeps its convolutions. */
    private final Map<List<Long>, OneDnnBatchNorm> kernels = new LinkedHashMap<>(8, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<List<Long>, OneDnnBatchNorm> eldest) {
            if (size() <= FastConvolutionImpl.SHAPES_KEPT) {
                return false;
            }
            eldest.getValue().close();
            return true;
        }
    };

    FusedBatchNormImpl(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
        oneDnn = FastConvolutionImpl.oneDnnEnabled();
    }

    private boolean relu() {
        return ((FusedBatchNorm) conf.getLayer()).isRelu();
    }

    /**
     * Whether this pass runs in oneDNN on the blocked layout its convolution hands it ({@link
     * BlockedLinks}); where oneDNN is off or the input is not float, the convolution writes NCHW
     * and so this layer reads NCHW.
     */
    private boolean blocked(INDArray x) {
        return ((FusedBatchNorm) conf.getLayer()).isBlockedInput() && oneDnn && fastPath(x);
    }

    private OneDnnBatchNorm kernel(long[] shape) {
        FusedBatchNorm c = (FusedBatchNorm) conf.getLayer();
        return kernels.computeIfAbsent(Arrays.stream(shape).boxed().toList(),
                s -> new OneDnnBatchNorm(shape, (float) c.getEps(), c.isRelu(), c.isBlockedOutput()));
    }

    private boolean fastPath(INDArray x) {
        return x.dataType() == DataType.FLOAT && x.rank() == 4 && layerConf().getCnn2DFormat() == CNN2DFormat.NCHW
                && !layerConf().isLockGammaBeta() && x.size(1) == layerConf().getNOut();
    }

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(false);
        if (!fastPath(input)) {
            INDArray out = super.activate(training, workspaceMgr);
            return relu() ? Transforms.relu(out, false) : out;
        }
        INDArray x = FloatArrays.dense(input);
        INDArray out = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, DataType.FLOAT, x.shape(), 'c');
        if (blocked(x)) {
            INDArray gamma = FloatArrays.dense(getParam(GAMMA));
            INDArray beta = FloatArrays.dense(getParam(BETA));
            if (training) {
                float[][] statistics = kernel(x.shape()).forwardTraining(x, gamma, beta, out);
                batchMean = statistics[0];
                batchVar = statistics[1];
            } else {
                kernel(x.shape()).forwardInference(x, gamma, beta, FloatArrays.read(getParam(GLOBAL_MEAN)), globalVariance(), out);
            }
            return out;
        }
        Shape s = new Shape(x);
        FloatBuffer in = FloatArrays.buffer(x);
        FloatBuffer o = FloatArrays.buffer(out);
        float[] gamma = FloatArrays.read(getParam(GAMMA));
        float[] beta = FloatArrays.read(getParam(BETA));
        float eps = (float) layerConf().getEps();
        boolean relu = relu();
        if (training) {
            float[] mean = new float[s.channels];
            float[] var = new float[s.channels];
            float[] invStd = new float[s.channels];
            for (int ch = 0; ch < s.channels; ch++) {
                float[] v = scratch(0, s.perChannel);
                s.gather(in, ch, v);
                float m = (float) (sum(v, s.perChannel) / s.perChannel);
                float variance = (float) (sumSquaredDeviations(v, s.perChannel, m) / s.perChannel);
                float is = (float) (1.0 / Math.sqrt(variance + eps));
                mean[ch] = m;
                var[ch] = variance;
                invStd[ch] = is;
                normalize(v, 0, s.perChannel, m, gamma[ch] * is, beta[ch], relu);
                s.scatter(v, o, ch);
            }
            batchMean = mean;
            batchVar = var;
            batchInvStd = invStd;
        } else {
            float[] mean = FloatArrays.read(getParam(GLOBAL_MEAN));
            float[] var = globalVariance();
            float[] a = new float[s.channels];
            for (int ch = 0; ch < s.channels; ch++) {
                a[ch] = (float) (gamma[ch] / Math.sqrt(var[ch] + eps));
            }
            // With fixed statistics every plane stands alone, so the planes go through in memory
            // order, several per copy: a copy per 16x16 plane cost more than the arithmetic on it.
            int planes = s.batch * s.channels;
            int perCopy = Math.max(1, INFERENCE_CHUNK / s.plane);
            float[] v = scratch(0, perCopy * s.plane);
            for (int first = 0; first < planes; first += perCopy) {
                int count = Math.min(perCopy, planes - first);
                in.get(first * s.plane, v, 0, count * s.plane);
                for (int k = 0; k < count; k++) {
                    int ch = (first + k) % s.channels;
                    normalize(v, k * s.plane, s.plane, mean[ch], a[ch], beta[ch], relu);
                }
                o.put(first * s.plane, v, 0, count * s.plane);
            }
        }
        return out;
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(true);
        if (!fastPath(input) || epsilon.dataType() != DataType.FLOAT) {
            return builtInBackprop(epsilon, workspaceMgr);
        }
        INDArray x = FloatArrays.dense(input);
        if (batchMean == null || batchMean.length != x.size(1)) {
            throw new IllegalStateException(layerId() + ": backprop without a training forward pass");
        }
        INDArray dy = FloatArrays.dense(epsilon);
        INDArray dx = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, DataType.FLOAT, x.shape(), 'c');
        if (blocked(x)) {
            INDArray dGamma = gradientViews.get(GAMMA);
            INDArray dBeta = gradientViews.get(BETA);
            kernel(x.shape()).backward(x, dy, FloatArrays.dense(getParam(GAMMA)), FloatArrays.dense(getParam(BETA)), dx, dGamma,
                    dBeta);
            Gradient gradient = new DefaultGradient();
            gradient.setGradientFor(GAMMA, dGamma);
            gradient.setGradientFor(BETA, dBeta);
            runningEstimateUpdates(gradient);
            return new Pair<>(gradient, dx);
        }
        Shape s = new Shape(x);
        FloatBuffer xb = FloatArrays.buffer(x);
        FloatBuffer dyb = FloatArrays.buffer(dy);
        FloatBuffer dxb = FloatArrays.buffer(dx);
        float[] gamma = FloatArrays.read(getParam(GAMMA));
        float[] beta = FloatArrays.read(getParam(BETA));
        float[] dGamma = new float[s.channels];
        float[] dBeta = new float[s.channels];
        boolean relu = relu();
        for (int ch = 0; ch < s.channels; ch++) {
            float[] xv = scratch(0, s.perChannel);
            float[] gv = scratch(1, s.perChannel);
            s.gather(xb, ch, xv);
            s.gather(dyb, ch, gv);
            float mean = batchMean[ch];
            float invStd = batchInvStd[ch];
            float a = gamma[ch] * invStd;
            // ReLU's gradient (zero where the forward pass clipped), then xv := x-hat, and the sums
            // that give d(gamma) = sum(g * x-hat) and d(beta) = sum(g).
            double[] sums = maskAndSum(xv, gv, s.perChannel, mean, invStd, a, beta[ch], relu);
            double sumG = sums[0];
            double sumGx = sums[1];
            dGamma[ch] = (float) sumGx;
            dBeta[ch] = (float) sumG;
            float meanG = (float) (sumG / s.perChannel);
            float meanGx = (float) (sumGx / s.perChannel);
            for (int i = 0; i < s.perChannel; i++) {
                gv[i] = a * (gv[i] - meanG - xv[i] * meanGx);
            }
            s.scatter(gv, dxb, ch);
        }

        Gradient gradient = new DefaultGradient();
        gradient.setGradientFor(GAMMA, write(dGamma, GAMMA));
        gradient.setGradientFor(BETA, write(dBeta, BETA));
        runningEstimateUpdates(gradient);
        return new Pair<>(gradient, dx);
    }

    /**
     * DL4J's "distributed-safe" running estimates: the gradient of the mean is {@code (1 - decay) *
     * (mean - batchMean)} and a no-op updater subtracts it; log10(std) moves to half the log10 of
     * {@code decay * var + (1 - decay) * batchVar}, or the variance itself when not logged.
     */
    private void runningEstimateUpdates(Gradient gradient) {
        double decay = layerConf().getDecay();
        float[] mean = FloatArrays.read(getParam(GLOBAL_MEAN));
        float[] dMean = new float[mean.length];
        for (int c = 0; c < mean.length; c++) {
            dMean[c] = (float) ((mean[c] - batchMean[c]) * (1 - decay));
        }
        gradient.setGradientFor(GLOBAL_MEAN, write(dMean, GLOBAL_MEAN));
        float[] var = globalVariance();
        float[] dVar = new float[var.length];
        boolean logStd = layerConf().isUseLogStd();
        for (int c = 0; c < var.length; c++) {
            double next = decay * var[c] + (1 - decay) * batchVar[c];
            dVar[c] = (float) (logStd ? Math.log(var[c] / next) * ONE_ON_2LOGE_10 : (var[c] - batchVar[c]) * (1 - decay));
        }
        String name = logStd ? GLOBAL_LOG_STD : GLOBAL_VAR;
        gradient.setGradientFor(name, write(dVar, name));
    }

    /**
     * What inference computes per channel, {@code y = x * scale + shift} (then ReLU if the layer
     * has one), from the running estimates: {@code {scale, shift}}. Null when the layer's inference
     * does not take the fast path (locked gamma and beta, not float).
     */
    float[][] inferenceAffine() {
        if (dataType != DataType.FLOAT || layerConf().isLockGammaBeta() || layerConf().getCnn2DFormat() != CNN2DFormat.NCHW) {
            return null;
        }
        float[] gamma = FloatArrays.read(getParam(GAMMA));
        float[] beta = FloatArrays.read(getParam(BETA));
        float[] mean = FloatArrays.read(getParam(GLOBAL_MEAN));
        float[] var = globalVariance();
        float eps = (float) layerConf().getEps();
        float[] scale = new float[gamma.length];
        float[] shift = new float[gamma.length];
        for (int ch = 0; ch < gamma.length; ch++) {
            scale[ch] = (float) (gamma[ch] / Math.sqrt(var[ch] + eps));
            shift[ch] = beta[ch] - mean[ch] * scale[ch];
        }
        return new float[][] {scale, shift};
    }

    /** The running variance, from {@code log10(std)} when that is what is stored. */
    private float[] globalVariance() {
        if (!layerConf().isUseLogStd()) {
            return FloatArrays.read(getParam(GLOBAL_VAR));
        }
        float[] v = FloatArrays.read(getParam(GLOBAL_LOG_STD));
        for (int c = 0; c < v.length; c++) {
            double std = Math.pow(10, v[c]);
            v[c] = (float) (std * std);
        }
        return v;
    }

    private INDArray write(float[] values, String param) {
        INDArray view = gradientViews.get(param);
        FloatArrays.write(values, view);
        return view;
    }

    /** DL4J's batch norm backward, after ReLU's (the forward pass recomputed to know where it clipped). */
    private Pair<Gradient, INDArray> builtInBackprop(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        if (!relu()) {
            return super.backpropGradient(epsilon, workspaceMgr);
        }
        INDArray normalized = super.preOutput(input, TrainingMode.TRAIN, workspaceMgr);
        return super.backpropGradient(epsilon.mul(normalized.gt(0).castTo(epsilon.dataType())), workspaceMgr);
    }

    /**
     * Floats per copy in inference: 16 KB, in L1. Faster than a copy per plane for the small planes
     * of the networks' deep layers and about even for large ones; larger copies were slower.
     */
    private static final int INFERENCE_CHUNK = 4_096;

    private static float[] scratch(int which, int length) {
        float[][] s = SCRATCH.get();
        if (s[which].length < length) {
            s[which] = new float[length];
        }
        return s[which];
    }

    // The loops below keep four partial sums: one chain of dependent float adds would wait on
    // each add's latency, four keep the adder busy. Each block's partial sums go into a double.

    static double sum(float[] v, int length) {
        double total = 0;
        for (int start = 0; start < length; start += BLOCK) {
            int end = Math.min(length, start + BLOCK);
            float s0 = 0;
            float s1 = 0;
            float s2 = 0;
            float s3 = 0;
            int i = start;
            for (; i + 3 < end; i += 4) {
                s0 += v[i];
                s1 += v[i + 1];
                s2 += v[i + 2];
                s3 += v[i + 3];
            }
            for (; i < end; i++) {
                s0 += v[i];
            }
            total += (s0 + s1) + (s2 + s3);
        }
        return total;
    }

    static double sumSquaredDeviations(float[] v, int length, float mean) {
        double total = 0;
        for (int start = 0; start < length; start += BLOCK) {
            int end = Math.min(length, start + BLOCK);
            float s0 = 0;
            float s1 = 0;
            float s2 = 0;
            float s3 = 0;
            int i = start;
            for (; i + 3 < end; i += 4) {
                float d0 = v[i] - mean;
                float d1 = v[i + 1] - mean;
                float d2 = v[i + 2] - mean;
                float d3 = v[i + 3] - mean;
                s0 += d0 * d0;
                s1 += d1 * d1;
                s2 += d2 * d2;
                s3 += d3 * d3;
            }
            for (; i < end; i++) {
                float d = v[i] - mean;
                s0 += d * d;
            }
            total += (s0 + s1) + (s2 + s3);
        }
        return total;
    }

    /**
     * The first backward pass over one channel: {@code g := dy} where the forward pass's ReLU let
     * the value through ({@code (x - mean) * a + b > 0}), else 0; {@code x := x-hat}; returns
     * {@code {sum(g), sum(g * x-hat)}}. Two loops: the first has no reduction (so the JIT vectorizes
     * it), the second sums with four partial sums.
     */
    static double[] maskAndSum(float[] x, float[] g, int length, float mean, float invStd, float a, float b, boolean relu) {
        for (int i = 0; i < length; i++) {
            float centered = x[i] - mean;
            if (relu) {
                g[i] *= passes(centered * a + b);
            }
            x[i] = centered * invStd;
        }
        double sumG = 0;
        double sumGx = 0;
        for (int start = 0; start < length; start += BLOCK) {
            int end = Math.min(length, start + BLOCK);
            float g0 = 0;
            float g1 = 0;
            float gx0 = 0;
            float gx1 = 0;
            int i = start;
            for (; i + 1 < end; i += 2) {
                g0 += g[i];
                g1 += g[i + 1];
                gx0 += g[i] * x[i];
                gx1 += g[i + 1] * x[i + 1];
            }
            for (; i < end; i++) {
                g0 += g[i];
                gx0 += g[i] * x[i];
            }
            sumG += g0 + g1;
            sumGx += gx0 + gx1;
        }
        return new double[] {sumG, sumGx};
    }

    /**
     * 1 if {@code t > 0}, else 0, for every finite {@code t}, from min and max alone, which the JIT
     * vectorizes (a compare and branch per element it does not, and ReLU lets through about half of
     * the values in no predictable order): any positive float, subnormals included, times 2^200 is at
     * least 1.
     */
    private static float passes(float t) {
        return Math.min(Math.max(t, 0f) * 0x1p100f * 0x1p100f, 1f);
    }

    /** {@code v := (v - mean) * a + b}, then ReLU if asked; two loops so each vectorizes. */
    static void normalize(float[] v, int from, int length, float mean, float a, float b, boolean relu) {
        int end = from + length;
        if (relu) {
            for (int i = from; i < end; i++) {
                v[i] = Math.max((v[i] - mean) * a + b, 0f);
            }
        } else {
            for (int i = from; i < end; i++) {
                v[i] = (v[i] - mean) * a + b;
            }
        }
    }

    /** An NCHW activation's sizes, and the copies of one channel (all its planes) to and from a Java array. */
    private record Shape(int batch, int channels, int plane, int perChannel) {
        Shape(INDArray x) {
            this((int) x.size(0), (int) x.size(1), Math.toIntExact(x.size(2) * x.size(3)),
                    Math.toIntExact(x.size(0) * x.size(2) * x.size(3)));
            Math.toIntExact(x.length()); // the indexing below is int: fail on larger arrays, do not wrap

        }

        int planeIndex(int n, int channel) {
            return (n * channels + channel) * plane;
        }

        void gather(FloatBuffer from, int channel, float[] to) {
            for (int n = 0; n < batch; n++) {
                from.get(planeIndex(n, channel), to, n * plane, plane);
            }
        }

        void scatter(float[] from, FloatBuffer to, int channel) {
            for (int n = 0; n < batch; n++) {
                to.put(planeIndex(n, channel), from, n * plane, plane);
            }
        }
    }
}
