package dev.segplatform.core.model.optim;

import dev.segplatform.core.model.kernel.FloatArrays;
import java.nio.FloatBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.AdamUpdater;
import org.nd4j.linalg.learning.config.Adam;

/**
 * ND4J's Adam, with its step computed in one Java pass over each block instead of a native op per
 * block, and optionally dividing the gradient by the minibatch size in the same pass (see {@link
 * InPlaceUpdater}). Same state (ND4J's {@code M} and {@code V} views, so checkpoints carry over),
 * same float arithmetic as ND4J's kernel.
 *
 * <p>Why: DL4J runs the updater once per block of consecutive parameters with the same settings,
 * and batch norm's running estimates (no updater) split the networks into 30-60 blocks. Each
 * native call costs far more than its few thousand elements, and the division by the minibatch
 * size is one more native call per block.
 */
final class JavaAdam extends AdamUpdater {

    /** Elements per bulk copy: the block's gradient, first and second moments stay in L1 together. */
    private static final int CHUNK = 1024;

    /** What the gradient is divided by before the step: 1, or the minibatch size. */
    private float gradientDivisor = 1f;

    /** Takes over an initialised ND4J Adam updater's configuration and state views. */
    JavaAdam(AdamUpdater nd4j) {
        super(nd4j.getConfig());
        setM(nd4j.getM());
        setV(nd4j.getV());
        setGradientReshapeOrder(nd4j.getGradientReshapeOrder());
    }

    void setGradientDivisor(float divisor) {
        gradientDivisor = divisor;
    }

    @Override
    public void applyUpdater(INDArray gradient, int iteration, int epoch) {
        INDArray m = getM();
        INDArray v = getV();
        if (gradient.dataType() != DataType.FLOAT || !FloatArrays.isDense(gradient) || !FloatArrays.isDense(m)
                || !FloatArrays.isDense(v) || gradient.length() != m.length()) {
            if (gradientDivisor != 1f) {
                gradient.divi(gradientDivisor);
            }
            super.applyUpdater(gradient, iteration, epoch);
            return;
        }
        Adam c = getConfig();
        float beta1 = (float) c.getBeta1();
        float beta2 = (float) c.getBeta2();
        float epsilon = (float) c.getEpsilon();
        float lr = (float) c.getLearningRate(iteration, epoch);
        // ND4J's kernel: the bias corrections folded into one step size, in float.
        float t = iteration + 1;
        float step = (float) (lr * (float) Math.sqrt((float) (1.0 - (float) Math.pow(beta2, t)))
                / (1.0 - (float) Math.pow(beta1, t)));
        if (Float.isNaN(step) || step == 0f || Float.isInfinite(step)) {
            step = epsilon;
        }
        float oneMinusBeta1 = 1 - beta1;
        float oneMinusBeta2 = 1 - beta2;
        float divisor = gradientDivisor;
        FloatBuffer gb = FloatArrays.buffer(gradient);
        FloatBuffer mb = FloatArrays.buffer(m);
        FloatBuffer vb = FloatArrays.buffer(v);
        float[] g = new float[CHUNK];
        float[] mc = new float[CHUNK];
        float[] vc = new float[CHUNK];
        int length = Math.toIntExact(gradient.length());
        for (int start = 0; start < length; start += CHUNK) {
            int n = Math.min(CHUNK, length - start);
            gb.get(start, g, 0, n);
            mb.get(start, mc, 0, n);
            vb.get(start, vc, 0, n);
            for (int i = 0; i < n; i++) {
                float gi = g[i] / divisor;
                float mi = beta1 * mc[i] + gi * oneMinusBeta1;
                float vi = beta2 * vc[i] + gi * gi * oneMinusBeta2;
                mc[i] = mi;
                vc[i] = vi;
                g[i] = mi * step / ((float) Math.sqrt(vi) + epsilon);
            }
            gb.put(start, g, 0, n);
            mb.put(start, mc, 0, n);
            vb.put(start, vc, 0, n);
        }
    }
}
