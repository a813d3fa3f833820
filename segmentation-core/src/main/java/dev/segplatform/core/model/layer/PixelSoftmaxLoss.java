package dev.segplatform.core.model.layer;

import java.util.Collection;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.CnnLossLayer;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The networks' output layer: a {@link CnnLossLayer} with softmax over the channels of each pixel
 * and {@link PixelMeanLoss#crossEntropy} as its loss, whose runtime side ({@link PixelSoftmaxLossImpl})
 * computes softmax, score and gradient in one pass over the NCHW logits.
 *
 * <p>Why: DL4J's layer copies logits and labels into {@code [pixels, classes]} matrices (a
 * transposing copy each), computes the softmax once for the score and again for the gradient, and
 * transposes the gradient back; at 128x128 that was about a tenth of PSPNet's training step and
 * of its batch inference.
 */
public class PixelSoftmaxLoss extends CnnLossLayer {

    /** For Jackson. */
    protected PixelSoftmaxLoss() {
    }

    /** @see PixelMeanLoss#crossEntropy */
    public PixelSoftmaxLoss(double weight, long pixelsPerImage) {
        this(PixelMeanLoss.crossEntropy(weight, pixelsPerImage));
    }

    /**
     * Softmax with any per-pixel-mean loss. Only plain cross-entropy takes the one-pass path; a
     * weighted cross-entropy or a {@link LossSum} with {@link SoftDiceLoss} runs through DL4J's
     * layer arithmetic (reshaped to rows), which is slower but computes exactly the loss asked for.
     */
    public PixelSoftmaxLoss(PixelMeanLoss loss) {
        setLossFn(loss);
        setActivationFn(new ActivationSoftmax());
        setFormat(CNN2DFormat.NCHW);
    }

    @Override
    public org.deeplearning4j.nn.api.Layer instantiate(NeuralNetConfiguration conf,
            Collection<TrainingListener> trainingListeners, int layerIndex, INDArray layerParamsView,
            boolean initializeParams, DataType networkDataType) {
        return LayerWiring.wire(new PixelSoftmaxLossImpl(conf, networkDataType), conf, trainingListeners, layerIndex,
                layerParamsView, initializeParams);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PixelSoftmaxLoss && o.getClass() == getClass() && super.equals(o);
    }

    @Override
    public int hashCode() {
        return super.hashCode();
    }
}
