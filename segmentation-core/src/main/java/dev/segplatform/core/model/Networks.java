package dev.segplatform.core.model;

import dev.segplatform.core.model.kernel.Resampling;
import dev.segplatform.core.model.layer.PixelMeanLoss;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Builds the network a {@link ModelSpec} describes, and says how to feed and read it. */
public final class Networks {

    private Networks() {
    }

    /** The network builder for a spec, before {@link SegmentationNetwork#init()}. */
    public static SegmentationNetwork network(ModelSpec spec) {
        return switch (spec.architecture()) {
            case UNET -> UNet.builder().spec(spec).build();
            case PSPNET -> PSPNet.builder().spec(spec).build();
            case ICNET -> ICNet.builder().spec(spec).build();
        };
    }

    /** An initialised graph with seeded weights. */
    public static ComputationGraph build(ModelSpec spec) {
        return network(spec).init();
    }

    /**
     * Output strides in the graph's output order: the factor by which each output's labels are
     * downsampled ({1} for U-Net and PSPNet, {16, 8, 4} for ICNet).
     */
    public static int[] labelDownsample(ModelSpec spec) {
        return network(spec).labelDownsample();
    }

    /**
     * Weight of each output's loss in the total, in output order: ICNet's cascade label guidance
     * weights, or 1 for the single output of U-Net and PSPNet. See {@link PixelMeanLoss}.
     */
    public static double[] lossWeights(ModelSpec spec) {
        if (spec.architecture() == Architecture.ICNET) {
            return spec.icnetLossWeights().stream().mapToDouble(Double::doubleValue).toArray();
        }
        return new double[] {1.0};
    }

    /**
     * Class probabilities at the input size from a graph's outputs: the last output is the
     * prediction (ICNet's earlier ones are training aids); if it is smaller than the input, as
     * ICNet's 1/4 output is, it is upsampled bilinearly; otherwise it is returned as it is.
     *
     * @param outputs what {@code ComputationGraph.output(...)} returned
     * @return {@code [B, numClasses, inputSize, inputSize]}
     */
    public static INDArray fullResolution(ModelSpec spec, INDArray[] outputs) {
        INDArray main = outputs[outputs.length - 1];
        if (main.size(2) == spec.inputSize() && main.size(3) == spec.inputSize()) {
            return main;
        }
        return Resampling.resizeBilinear(main, spec.inputSize(), spec.inputSize());
    }
}
