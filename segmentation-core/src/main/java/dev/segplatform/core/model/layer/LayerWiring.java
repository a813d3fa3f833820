package dev.segplatform.core.model.layer;

import java.util.Collection;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * What every custom layer configuration does when DL4J asks it for its runtime layer or its
 * output type. Public only so that the legacy layers, kept in their own package, share it.
 */
public final class LayerWiring {

    private LayerWiring() {
    }

    /** The convolutional (NCHW) type a custom layer needs, or a clear error naming the layer. */
    public static InputType.InputTypeConvolutional convolutional(String layer, InputType inputType) {
        if (!(inputType instanceof InputType.InputTypeConvolutional conv)) {
            throw new IllegalArgumentException(layer + " needs a convolutional (NCHW) input, got " + inputType);
        }
        return conv;
    }

    /**
     * What every custom layer's {@code instantiate} does with the runtime layer it made: listeners,
     * index, its slice of the network's parameters, the configuration.
     */
    public static org.deeplearning4j.nn.api.Layer wire(org.deeplearning4j.nn.api.Layer layer, NeuralNetConfiguration conf,
            Collection<TrainingListener> listeners, int index, INDArray paramsView, boolean initializeParams) {
        layer.setListeners(listeners);
        layer.setIndex(index);
        layer.setParamsViewArray(paramsView);
        layer.setParamTable(conf.getLayer().initializer().init(conf, paramsView, initializeParams));
        layer.setConf(conf);
        return layer;
    }
}
