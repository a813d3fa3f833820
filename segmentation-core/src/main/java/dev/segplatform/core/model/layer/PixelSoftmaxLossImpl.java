package dev.segplatform.core.model.layer;

import dev.segplatform.core.model.kernel.FloatArrays;
import dev.segplatform.core.model.kernel.OneDnn;
import dev.segplatform.core.model.kernel.OneDnnEltwise;
import java.nio.FloatBuffer;
import java.util.Arrays;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.convolution.CnnLossLayer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The runtime side of {@link PixelSoftmaxLoss}. For float NCHW logits with one-per-pixel labels
 * and no mask, with or without class weights, the softmax runs along each image's class planes (so the loops run over pixels and
 * vectorize), and the gradient {@code (p - y) * weight / pixels} and the cross-entropy are written
 * and summed in the same pass. The exponentials and logarithms go to oneDNN ({@link
 * OneDnnEltwise}) where it is available, since Java does not vectorize them. Anything else
 * goes to DL4J's {@link CnnLossLayer}, whose arithmetic this repeats: probabilities clipped to at least
 * LossMCXENT's epsilon inside the logarithm, score divided by the minibatch size.
 */
final class PixelSoftmaxLossImpl extends CnnLossLayer {

    /**
     * {@code Σ -y log p} for the current input and labels, from the backward pass: DL4J asks for
     * the gradient and then the score of the same batch, and this saves the second softmax.
     */
    private double lossSum = Double.NaN;

    PixelSoftmaxLossImpl(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    @Override
    public void setInput(INDArray input, LayerWorkspaceMgr workspaceMgr) {
        lossSum = Double.NaN;
        super.setInput(input, workspaceMgr);
    }

    @Override
    public void setLabels(INDArray labels) {
        lossSum = Double.NaN;
        super.setLabels(labels);
    }

    /** The loss when the one-pass path applies to {@code x}, else null. */
    private PixelMeanLoss onePassLoss(INDArray x) {
        org.deeplearning4j.nn.conf.layers.CnnLossLayer c = layerConf();
        boolean applies = x.dataType() == DataType.FLOAT && x.rank() == 4 && c.getFormat() == CNN2DFormat.NCHW
                && maskArray == null && c.getActivationFn() instanceof ActivationSoftmax;
        return applies && c.getLossFn() instanceof PixelMeanLoss p && p.isCrossEntropy() ? p : null;
    }

    private boolean labelsFit() {
        return labels != null && labels.dataType() == DataType.FLOAT && Arrays.equals(labels.shape(), input.shape());
    }

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(false);
        if (onePassLoss(input) == null) {
            return super.activate(training, workspaceMgr);
        }
        INDArray x = FloatArrays.dense(input);
        INDArray out = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, DataType.FLOAT, x.shape(), 'c');
        run(x, null, out, 0, 0, null);
        return out;
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(true);
        PixelMeanLoss loss = onePassLoss(input);
        if (loss == null || !labelsFit()) {
            return super.backpropGradient(epsilon, workspaceMgr);
        }
        INDArray x = FloatArrays.dense(input);
        INDArray delta = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, DataType.FLOAT, x.shape(), 'c');
        lossSum = run(x, FloatArrays.dense(labels), delta, (float) loss.factor(), loss.clipEpsilon(),
                loss.classWeights());
        return new Pair<>(new DefaultGradient(), delta);
    }

    @Override
    public double computeScore(double fullNetRegTerm, boolean training, LayerWorkspaceMgr workspaceMgr) {
        PixelMeanLoss loss = input == null ? null : onePassLoss(input);
        if (loss == null || !labelsFit()) {
            return super.computeScore(fullNetRegTerm, training, workspaceMgr);
        }
        if (Double.isNaN(lossSum)) {
            lossSum = run(FloatArrays.dense(input), FloatArrays.dense(labels), null, 0, loss.clipEpsilon(),
                    loss.classWeights());
        }
        score = lossSum * loss.factor() / getInputMiniBatchSize() + fullNetRegTerm;
        return score;
    }

    /**
     * Softmax over the channels of each pixel of {@code x} ({@code [N, C, H, W]}). Without labels,
     * writes the probabilities to {@code out}. With labels, writes {@code (p - y) * scale} to
     * {@code out} (if given) and returns {@code Σ -y log max(p, clip)}. With class weights
     * {@code w}, LossMCXENT's weighted forms instead: {@code (p Σ_k w_k y_k - w y) * scale} and
     * {@code Σ -w y log max(p, clip)}.
     */
    private static double run(INDArray x, INDArray labels, INDArray out, float scale, double clip, float[] w) {
        int images = (int) x.size(0);
        int classes = (int) x.size(1);
        int plane = Math.toIntExact(x.size(2) * x.size(3));
        int perImage = Math.toIntExact((long) classes * plane);
        Math.toIntExact(x.length()); // the indexing below is int: fail on larger arrays, do not wrap
        FloatBuffer xb = FloatArrays.buffer(x);
        FloatBuffer yb = labels == null ? null : FloatArrays.buffer(labels);
        FloatBuffer ob = out == null ? null : FloatArrays.buffer(out);
        float[] z = new float[perImage];
        float[] y = labels == null ? null : new float[perImage];
        float[] max = new float[plane];
        float[] sum = new float[plane];
        // With somewhere to write and oneDNN at hand, the exponentials of the logits as they are run
        // in one vectorized native call, then one Java pass normalizes and adds up the loss; an
        // image whose sums leave float's comfortable range (logits beyond about +-80) is redone in
        // Java, shifted by each pixel's maximum first. Else all in Java, one image at a time.
        boolean nativeExp = ob != null && OneDnn.AVAILABLE;
        INDArray logs = y != null && OneDnn.AVAILABLE ? Nd4j.createUninitializedDetached(DataType.FLOAT, perImage) : null;
        FloatBuffer lb = logs == null ? null : FloatArrays.buffer(logs);
        float[] logP = logs == null ? null : new float[perImage];
        if (nativeExp) {
            OneDnnEltwise.exp(x, out);
        }
        double loss = 0;
        for (int n = 0; n < images; n++) {
            int base = n * perImage;
            if (nativeExp) {
                ob.get(base, z, 0, perImage);
                sumClasses(z, classes, plane, sum);
            }
            if (!nativeExp || !comfortable(sum, plane)) {
                xb.get(base, z, 0, perImage);
                shiftByMax(z, classes, plane, max);
                for (int i = 0; i < perImage; i++) {
                    z[i] = (float) Math.exp(z[i]);
                }
                sumClasses(z, classes, plane, sum);
            }
            for (int p = 0; p < plane; p++) {
                sum[p] = 1f / sum[p];
            }
            for (int c = 0; c < classes; c++) {
                for (int p = 0, i = c * plane; p < plane; p++, i++) {
                    z[i] *= sum[p];
                }
            }
            if (y != null) {
                yb.get(base, y, 0, perImage);
                if (w != null) {
                    // y becomes w * y, and sum (reused) each pixel's Σ_k w_k y_k, the factor of p.
                    Arrays.fill(sum, 0f);
                    for (int c = 0; c < classes; c++) {
                        for (int p = 0, i = c * plane; p < plane; p++, i++) {
                            y[i] *= w[c];
                            sum[p] += y[i];
                        }
                    }
                }
                if (logs != null) {
                    // The clipped probabilities go through oneDNN's logarithm, a plane at a time.
                    for (int i = 0; i < perImage; i++) {
                        logP[i] = Math.max(z[i], (float) clip);
                    }
                    lb.put(0, logP, 0, perImage);
                    OneDnnEltwise.logInPlace(logs);
                    lb.get(0, logP, 0, perImage);
                    double imageLoss = 0;
                    for (int i = 0; i < perImage; i++) {
                        imageLoss -= y[i] * logP[i];
                    }
                    loss += imageLoss;
                } else {
                    for (int i = 0; i < perImage; i++) {
                        if (y[i] != 0f) {
                            loss -= y[i] * Math.log(Math.max(z[i], clip));
                        }
                    }
                }
                if (w == null) {
                    for (int i = 0; i < perImage; i++) {
                        z[i] = (z[i] - y[i]) * scale;
                    }
                } else {
                    for (int c = 0; c < classes; c++) {
                        for (int p = 0, i = c * plane; p < plane; p++, i++) {
                            z[i] = (z[i] * sum[p] - y[i]) * scale;
                        }
                    }
                }
            }
            if (ob != null) {
                ob.put(base, z, 0, perImage);
            }
        }
        if (logs != null) {
            logs.close();
        }
        return loss;
    }

    private static void sumClasses(float[] e, int classes, int plane, float[] sum) {
        Arrays.fill(sum, 0f);
        for (int c = 0; c < classes; c++) {
            for (int p = 0, i = c * plane; p < plane; p++, i++) {
                sum[p] += e[i];
            }
        }
    }

    /**
     * Whether every pixel's sum of unshifted exponentials is finite and far from float's smallest
     * values, so that the probabilities divided out of it lose nothing to the missing shift.
     */
    private static boolean comfortable(float[] sum, int plane) {
        boolean ok = true;
        for (int p = 0; p < plane; p++) {
            ok &= sum[p] >= 1e-30f && sum[p] <= 1e30f; // false for NaN too
        }
        return ok;
    }

    /** {@code z[c, p] -= max over c of z[c, p]}, so that no exponential overflows. */
    private static void shiftByMax(float[] z, int classes, int plane, float[] max) {
        System.arraycopy(z, 0, max, 0, plane);
        for (int c = 1; c < classes; c++) {
            for (int p = 0, i = c * plane; p < plane; p++, i++) {
                max[p] = Math.max(max[p], z[i]);
            }
        }
        for (int c = 0; c < classes; c++) {
            for (int p = 0, i = c * plane; p < plane; p++, i++) {
                z[i] -= max[p];
            }
        }
    }
}
