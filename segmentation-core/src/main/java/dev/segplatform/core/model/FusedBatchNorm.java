package dev.segplatform.core.model;

import java.util.Collection;
import java.util.Objects;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * DL4J's batch normalization, optionally followed by ReLU, computed in one pass per channel: the
 * same parameters ({@code gamma}, {@code beta}, {@code mean}, {@code log10stdev}), the same
 * training statistics and running-estimate updates, the same updater treatment (this is a
 * {@link BatchNormalization}), so a network using it is the network it replaces.
 *
 * <p>Why: on CPU, DL4J's oneDNN batch-norm path took 29-35% of a training step (separate ND4J
 * reductions for mean and variance, then oneDNN's plain-layout kernel, forward and backward), and
 * the {@code ActivationLayer} ReLU after it copies the activation twice more. {@link FusedBatchNormImpl}
 * reads a channel once, keeps it in cache for the statistics and the normalization, and writes it
 * once; backward likewise.
 */
public class FusedBatchNorm extends BatchNormalization {

    @JsonProperty
    private boolean relu;

    /** For Jackson; batch norm without ReLU. */
    public FusedBatchNorm() {
    }

    /** @param relu whether a ReLU follows the normalization */
    public FusedBatchNorm(boolean relu) {
        this.relu = relu;
    }

    public boolean isRelu() {
        return relu;
    }

    @Override
    public org.deeplearning4j.nn.api.Layer instantiate(NeuralNetConfiguration conf,
            Collection<TrainingListener> trainingListeners, int layerIndex, INDArray layerParamsView,
            boolean initializeParams, DataType networkDataType) {
        return GraphBlocks.wire(new FusedBatchNormImpl(conf, networkDataType), conf, trainingListeners, layerIndex,
                layerParamsView, initializeParams);
    }

    @Override
    public FusedBatchNorm clone() {
        return (FusedBatchNorm) super.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FusedBatchNorm f && o.getClass() == getClass() && f.relu == relu && super.equals(o);
    }

    @Override
    public int hashCode() {
        return Objects.hash(super.hashCode(), relu);
    }
}
