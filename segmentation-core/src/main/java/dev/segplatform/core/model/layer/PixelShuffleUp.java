package dev.segplatform.core.model.layer;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.memory.LayerMemoryReport;
import org.deeplearning4j.nn.conf.memory.MemoryReport;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * The second half of a {@code factor x factor}, stride-{@code factor} transposed convolution:
 * rearranges {@code [B, C*f*f, H, W]} (the output of a 1x1 convolution without bias) into
 * {@code [B, C, H*f, W*f]} and adds one bias per output channel. Together with that 1x1
 * convolution it computes exactly what a transposed convolution with kernel = stride = {@code f}
 * computes, with the same parameters (weights {@code in x C x f x f}, bias {@code C}): output pixel
 * {@code (f*i + p, f*j + q)} of channel {@code c} is input pixel {@code (i, j)} of channel
 * {@code (p*f + q)*C + c} (ND4J's depth-to-space order), plus the bias of {@code c}.
 *
 * <p>Why: ND4J M2.1's {@code deconv2d} runs several times slower than the 1x1 convolution, which
 * oneDNN runs (U-Net's four up-sampling layers, forward and backward); the rearrangement costs
 * one copy.
 */
public class PixelShuffleUp extends BaseLayer {

    static final String BIAS = "b";

    @JsonProperty
    private int factor;
    @JsonProperty
    private long channels;
    @JsonProperty
    private long inHeight;
    @JsonProperty
    private long inWidth;

    /** For Jackson. */
    protected PixelShuffleUp() {
    }

    public PixelShuffleUp(int factor) {
        if (factor < 2) {
            throw new IllegalArgumentException("factor must be at least 2, got " + factor);
        }
        this.factor = factor;
    }

    public int getFactor() {
        return factor;
    }

    /** Output channels, {@code C}: the input's channels divided by {@code factor^2}. */
    public long getChannels() {
        return channels;
    }

    @Override
    public org.deeplearning4j.nn.api.Layer instantiate(NeuralNetConfiguration conf,
            Collection<TrainingListener> trainingListeners, int layerIndex, INDArray layerParamsView,
            boolean initializeParams, DataType networkDataType) {
        return LayerWiring.wire(new PixelShuffleUpImpl(conf, networkDataType), conf, trainingListeners, layerIndex, layerParamsView,
                initializeParams);
    }

    @Override
    public ParamInitializer initializer() {
        return Params.INSTANCE;
    }

    @Override
    public void setNIn(InputType inputType, boolean override) {
        InputType.InputTypeConvolutional in = LayerWiring.convolutional("PixelShuffleUp", inputType);
        long f2 = (long) factor * factor;
        if (in.getChannels() % f2 != 0) {
            throw new IllegalArgumentException(getLayerName() + ": " + in.getChannels()
                    + " input channels are not a multiple of " + f2);
        }
        channels = in.getChannels() / f2;
        inHeight = in.getHeight();
        inWidth = in.getWidth();
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType inputType) {
        InputType.InputTypeConvolutional in = LayerWiring.convolutional("PixelShuffleUp", inputType);
        return InputType.convolutional(in.getHeight() * factor, in.getWidth() * factor,
                in.getChannels() / ((long) factor * factor));
    }

    @Override
    public InputPreProcessor getPreProcessorForInputType(InputType inputType) {
        LayerWiring.convolutional("PixelShuffleUp", inputType);
        return null;
    }

    @Override
    public boolean isPretrainParam(String paramName) {
        return false;
    }

    @Override
    public LayerMemoryReport getMemoryReport(InputType inputType) {
        InputType out = getOutputType(-1, inputType);
        return new LayerMemoryReport.Builder(getLayerName(), getClass(), inputType, out)
                .standardMemory(channels, 0)
                .workingMemory(0, 0, MemoryReport.CACHE_MODE_ALL_ZEROS, MemoryReport.CACHE_MODE_ALL_ZEROS)
                .cacheMemory(MemoryReport.CACHE_MODE_ALL_ZEROS, MemoryReport.CACHE_MODE_ALL_ZEROS)
                .build();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PixelShuffleUp p && o.getClass() == getClass() && super.equals(o) && p.factor == factor
                && p.channels == channels && p.inHeight == inHeight && p.inWidth == inWidth;
    }

    @Override
    public int hashCode() {
        return Objects.hash(super.hashCode(), factor, channels, inHeight, inWidth);
    }

    /** One parameter, the bias {@code "b"} of length {@code C}, initialised to the layer's bias init (0). */
    static final class Params implements ParamInitializer {

        static final Params INSTANCE = new Params();

        @Override
        public long numParams(NeuralNetConfiguration conf) {
            return numParams(conf.getLayer());
        }

        @Override
        public long numParams(Layer layer) {
            return ((PixelShuffleUp) layer).channels;
        }

        @Override
        public List<String> paramKeys(Layer layer) {
            return List.of(BIAS);
        }

        @Override
        public List<String> weightKeys(Layer layer) {
            return List.of();
        }

        @Override
        public List<String> biasKeys(Layer layer) {
            return List.of(BIAS);
        }

        @Override
        public boolean isWeightParam(Layer layer, String key) {
            return false;
        }

        @Override
        public boolean isBiasParam(Layer layer, String key) {
            return BIAS.equals(key);
        }

        @Override
        public Map<String, INDArray> init(NeuralNetConfiguration conf, INDArray paramsView, boolean initializeParams) {
            PixelShuffleUp layer = (PixelShuffleUp) conf.getLayer();
            INDArray bias = paramsView.reshape(1, layer.channels);
            if (initializeParams) {
                bias.assign(layer.getBiasInit());
            }
            Map<String, INDArray> params = new LinkedHashMap<>();
            params.put(BIAS, bias);
            conf.addVariable(BIAS);
            return params;
        }

        @Override
        public Map<String, INDArray> getGradientsFromFlattened(NeuralNetConfiguration conf, INDArray gradientView) {
            Map<String, INDArray> gradients = new LinkedHashMap<>();
            gradients.put(BIAS, gradientView.reshape(1, ((PixelShuffleUp) conf.getLayer()).channels));
            return gradients;
        }
    }
}
