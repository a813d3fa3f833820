package dev.segplatform.core.model;

import dev.segplatform.core.model.layer.AdaptiveAvgPool2D;
import dev.segplatform.core.model.layer.BilinearResize2D;
import static dev.segplatform.core.model.GraphBlocks.batchNormRelu;
import static dev.segplatform.core.model.GraphBlocks.classifier;
import static dev.segplatform.core.model.GraphBlocks.conv;
import static dev.segplatform.core.model.GraphBlocks.convBnRelu;
import static dev.segplatform.core.model.GraphBlocks.lossOutput;

import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration.GraphBuilder;
import org.deeplearning4j.nn.conf.graph.MergeVertex;

/**
 * PSPNet (Zhao et al. 2017), sized for a CPU and trained from scratch.
 *
 * <p>Backbone to 1/8 resolution: three stages {@code stage<i>} of a strided 3x3 conv + BN + ReLU
 * and a plain one (width, 2x, 4x filters); then, keeping 1/8, two dilated stages (dilation 2 and
 * 4, 8x width) in place of ResNet's last strided stages. Pyramid pooling module: for each bin
 * {@code b} in 1, 2, 3, 6, adaptive average pooling to {@code b x b} ({@code ppm-pool<b>}), 1x1
 * conv + BN + ReLU to a quarter of the feature channels ({@code ppm-bin<b>}), bilinear upsampling
 * back to the feature size ({@code ppm-up<b>}); concatenated with the features ({@code ppm-concat}).
 * Then a 3x3 conv + BN + ReLU ({@code cls-conv1}), 1x1 logits ({@code cls-logits}), bilinear upsampling
 * of the logits to the input size ({@code upsample}) and the per-pixel softmax ({@code output}).
 */
public final class PSPNet extends SegmentationNetwork {

    public static final String OUTPUT = "output";
    /** Pyramid bins of the paper. */
    public static final List<Integer> BINS = List.of(1, 2, 3, 6);

    private PSPNet(Builder b) {
        super(b);
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public GraphBuilder graphBuilder() {
        GraphBuilder g = newGraph();
        String x = INPUT;
        int filters = width;
        for (int stage = 1; stage <= 3; stage++) {
            x = convBnRelu(g, "stage" + stage, 1, x, filters, 3, 2);
            x = convBnRelu(g, "stage" + stage, 2, x, filters, 3, 1);
            filters *= 2;
        }
        // Dilated stages keep 1/8 resolution while growing the receptive field.
        int featureSize = inputSize / 8;
        for (int stage = 4; stage <= 5; stage++) {
            int dilation = stage == 4 ? 2 : 4;
            x = convBnRelu(g, "stage" + stage, 1, x, filters, 3, 1, dilation);
            x = convBnRelu(g, "stage" + stage, 2, x, filters, 3, 1, dilation);
        }
        String features = x;
        int binFilters = Math.max(1, filters / 4);

        List<String> merged = new ArrayList<>();
        merged.add(features);
        for (int bin : BINS) {
            g.addLayer("ppm-pool" + bin, new AdaptiveAvgPool2D(bin, bin), features);
            String c = conv(g, "ppm-bin" + bin, "ppm-pool" + bin, binFilters, 1, 1, false);
            String r = batchNormRelu(g, "ppm-bn" + bin, c);
            g.addLayer("ppm-up" + bin, new BilinearResize2D(featureSize, featureSize), r);
            merged.add("ppm-up" + bin);
        }
        g.addVertex("ppm-concat", new MergeVertex(), merged.toArray(String[]::new));

        x = convBnRelu(g, "cls", 1, "ppm-concat", Math.max(1, filters / 2), 3, 1);
        String logits = classifier(g, "cls-logits", x, numClasses);
        g.addLayer("upsample", new BilinearResize2D(inputSize, inputSize), logits);
        lossOutput(g, OUTPUT, "upsample", outputLoss(1.0, (long) inputSize * inputSize));
        return g.setOutputs(OUTPUT);
    }

    @Override
    public List<String> outputNames() {
        return List.of(OUTPUT);
    }

    @Override
    public int[] labelDownsample() {
        return new int[] {1};
    }

    /** PSPNet settings; width is the first stage's filter count (16 by default, 128 at 1/8). */
    public static final class Builder extends SegmentationNetwork.Builder<Builder> {
        private Builder() {
            super(Architecture.PSPNET.defaultWidth());
        }

        @Override
        protected Builder self() {
            return this;
        }

        public PSPNet build() {
            return new PSPNet(this);
        }
    }
}
