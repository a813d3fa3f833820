package dev.segplatform.core.dataset;

import static org.assertj.core.api.Assertions.assertThat;

import dev.segplatform.core.metrics.ConfusionMatrix;
import java.io.IOException;
import java.nio.file.Path;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.CnnLossLayer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * The generator's promise: a tiny network learns the synthetic pets in a few epochs at 32 px.
 * Also proves the iterator's arrays are what {@code ComputationGraph.fit} (through DL4J's own
 * async prefetch) and a per-pixel softmax loss expect, here on labels downsampled by 4 to keep the
 * test cheap on a shared CPU.
 */
class SyntheticPetsLearnabilityTest {

    @Test
    void aTinyNetworkBeatsTheMajorityBaselineAfterAFewEpochs(@TempDir Path dir) throws IOException {
        PetData data = PetData.loadOrGenerate(dir, 128, 21, PetDataOptions.of(32));
        ComputationGraph net = tinyNet();
        SegmentationIterator train = SegmentationIterator.builder(data.train()).batchSize(8).seed(1).flip(true)
                .labelDownsample(4).build();
        net.fit(train, 5);
        assertThat(train.epoch()).isEqualTo(4);

        ConfusionMatrix m = new ConfusionMatrix(3);
        SegmentationIterator validation = SegmentationIterator.builder(data.validation()).batchSize(32)
                .shuffle(false).labelDownsample(4).build();
        while (validation.hasNext()) {
            MultiDataSet batch = validation.next();
            m.add(batch.getLabels(0), net.outputSingle(batch.getFeatures(0)));
        }
        ConfusionMatrix baseline = m.majorityBaseline();
        System.out.printf("synthetic pets, tiny net: accuracy %.3f (baseline %.3f), mean IoU %.3f (baseline %.3f), "
                + "pet IoU %.3f%n", m.pixelAccuracy(), baseline.pixelAccuracy(), m.meanIou(), baseline.meanIou(), m.iou(0));
        assertThat(m.pixelAccuracy()).isGreaterThan(baseline.pixelAccuracy() + 0.04);
        assertThat(m.meanIou()).isGreaterThan(baseline.meanIou() + 0.1);
        assertThat(m.iou(0)).as("pet IoU").isGreaterThan(0.3);
    }

    /** 32 px in, 8 x 8 class scores out. */
    private static ComputationGraph tinyNet() {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder()
                .seed(3)
                .updater(new Adam(1e-2))
                .weightInit(WeightInit.RELU)
                .convolutionMode(ConvolutionMode.Same)
                .graphBuilder()
                .addInputs("input")
                .addLayer("conv1", new ConvolutionLayer.Builder(3, 3).nOut(16).activation(Activation.RELU).build(), "input")
                .addLayer("pool1", new SubsamplingLayer.Builder(PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build(), "conv1")
                .addLayer("conv2", new ConvolutionLayer.Builder(3, 3).nOut(32).activation(Activation.RELU).build(), "pool1")
                .addLayer("pool2", new SubsamplingLayer.Builder(PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build(), "conv2")
                .addLayer("conv3", new ConvolutionLayer.Builder(3, 3).nOut(32).activation(Activation.RELU).build(), "pool2")
                .addLayer("conv4", new ConvolutionLayer.Builder(3, 3).dilation(2, 2).nOut(32)
                        .activation(Activation.RELU).build(), "conv3")
                .addLayer("scores", new ConvolutionLayer.Builder(1, 1).nOut(3).activation(Activation.IDENTITY).build(), "conv4")
                .addLayer("output", new CnnLossLayer.Builder(LossFunctions.LossFunction.MCXENT)
                        .activation(Activation.SOFTMAX).build(), "scores")
                .setOutputs("output")
                .setInputTypes(InputType.convolutional(32, 32, 3))
                .build();
        ComputationGraph net = new ComputationGraph(conf);
        net.init();
        return net;
    }
}
