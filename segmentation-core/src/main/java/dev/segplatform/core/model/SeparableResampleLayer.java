package dev.segplatform.core.model;

import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.samediff.SameDiffLambdaLayer;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * A parameter-free layer that maps an NCHW activation of {@code H x W} to {@code outHeight x
 * outWidth} with fixed row and column matrices (see {@link Resampling}); the backward pass is the
 * transposed product, derived by SameDiff.
 *
 * <p>The input height, width and channel count are learnt from the graph's input types (DL4J calls
 * {@link #setNIn}), so a network must declare its input type. Fields carry the shaded Jackson
 * annotations because DL4J serialises layer configurations with its own Jackson.
 */
public abstract class SeparableResampleLayer extends SameDiffLambdaLayer {

    @JsonProperty
    private int outHeight;
    @JsonProperty
    private int outWidth;
    @JsonProperty
    private int inHeight;
    @JsonProperty
    private int inWidth;
    @JsonProperty
    private int channels;

    /** For Jackson. */
    protected SeparableResampleLayer() {
    }

    protected SeparableResampleLayer(int outHeight, int outWidth) {
        if (outHeight < 1 || outWidth < 1) {
            throw new IllegalArgumentException("output size must be positive, got " + outHeight + "x" + outWidth);
        }
        this.outHeight = outHeight;
        this.outWidth = outWidth;
    }

    /** The {@code [out][in]} weights applied along one axis. */
    protected abstract double[][] axisWeights(int in, int out);

    public int getOutHeight() {
        return outHeight;
    }

    public int getOutWidth() {
        return outWidth;
    }

    @Override
    public void setNIn(InputType inputType, boolean override) {
        InputType.InputTypeConvolutional conv = convolutional(inputType);
        inHeight = (int) conv.getHeight();
        inWidth = (int) conv.getWidth();
        channels = (int) conv.getChannels();
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType inputType) {
        InputType.InputTypeConvolutional conv = convolutional(inputType);
        return InputType.convolutional(outHeight, outWidth, conv.getChannels());
    }

    @Override
    public SDVariable defineLayer(SameDiff sd, SDVariable x) {
        if (channels == 0) {
            throw new IllegalStateException(getLayerName() + ": input type unknown; declare the graph's input types");
        }
        DataType dt = x.dataType();
        SDVariable rwT = sd.constant(Resampling.matrix(axisWeights(inWidth, outWidth), dt).transpose().dup());
        SDVariable rhT = sd.constant(Resampling.matrix(axisWeights(inHeight, outHeight), dt).transpose().dup());
        // Columns first: [B*C*H, W] x [W, Wo]; then rows via a transpose of the last two axes.
        SDVariable cols = sd.mmul(sd.reshape(x, -1, inWidth), rwT);
        SDVariable swapped = sd.permute(sd.reshape(cols, -1, inHeight, outWidth), 0, 2, 1);
        SDVariable rows = sd.mmul(sd.reshape(swapped, -1, inHeight), rhT);
        SDVariable back = sd.permute(sd.reshape(rows, -1, outWidth, outHeight), 0, 2, 1);
        return sd.reshape(back, -1, channels, outHeight, outWidth);
    }

    private InputType.InputTypeConvolutional convolutional(InputType inputType) {
        if (!(inputType instanceof InputType.InputTypeConvolutional conv)) {
            throw new IllegalArgumentException(getClass().getSimpleName() + " needs a convolutional (NCHW) input, got " + inputType);
        }
        return conv;
    }
}
