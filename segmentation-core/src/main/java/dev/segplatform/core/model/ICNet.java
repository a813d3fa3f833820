package dev.segplatform.core.model;

import dev.segplatform.core.model.layer.AdaptiveAvgPool2D;
import dev.segplatform.core.model.layer.BilinearResize2D;
import dev.segplatform.core.model.layer.PixelMeanLoss;
import static dev.segplatform.core.model.GraphBlocks.batchNorm;
import static dev.segplatform.core.model.GraphBlocks.classifier;
import static dev.segplatform.core.model.GraphBlocks.conv;
import static dev.segplatform.core.model.GraphBlocks.convBnRelu;
import static dev.segplatform.core.model.GraphBlocks.lossOutput;
import static dev.segplatform.core.model.GraphBlocks.pool;
import static dev.segplatform.core.model.GraphBlocks.relu;

import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration.GraphBuilder;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer.PoolingType;

/**
 * ICNet (Zhao et al. 2018), sized for a CPU and trained from scratch.
 *
 * <p>Three branches on three resolutions of the one input image:
 * <ul>
 *   <li>{@code sub1}: the full image, three strided 3x3 conv + BN + ReLU to 1/8 (light, since it
 *       runs at full resolution);</li>
 *   <li>{@code sub2}: the image at 1/2 ({@code sub2-downsample}, a 2x2 average, which is exactly a
 *       bilinear 0.5x resize), convs to 1/16 of the full size;</li>
 *   <li>{@code sub4}: the 1/4 branch. As in the authors' implementation it shares the 1/2 branch's
 *       first layers by continuing from their 1/16 features downsampled by 2
 *       ({@code sub4-downsample}, 1/32), so those weights are shared and computed once. Then dilated
 *       convs and ICNet's light pyramid pooling: adaptive average pools to 1, 2, 3 and 6 bins,
 *       upsampled and summed with the features ({@code ppm-sum}), and a 1x1 reduction.</li>
 * </ul>
 * Two cascade feature fusion units ({@code cff1}: 1/32 with 1/16; {@code cff2}: their result with
 * 1/8). A unit upsamples the coarse map F1 by 2 ({@code cff<k>-up}), applies a 3x3 conv with
 * dilation 2 + BN to it, a 1x1 conv + BN to the fine map F2, sums and applies ReLU.
 *
 * <p>Cascade label guidance: a 1x1 classifier on each unit's upsampled F1 gives the auxiliary
 * outputs at 1/16 ({@code output-16}) and 1/8 ({@code output-8}); the fused 1/8 map upsampled by 2
 * gives the main output at 1/4 ({@code output-4}). Outputs are in that order, so labels are
 * downsampled by 16, 8 and 4. Each output's loss is its per-pixel mean cross-entropy times its
 * weight (default 0.4, 0.4, 1.0) through {@link PixelMeanLoss}; DL4J sums the outputs' scores, so
 * the total is {@code 0.4 L16 + 0.4 L8 + 1.0 L4} as in the paper. At inference only
 * {@code output-4} matters; it is upsampled bilinearly to the input size
 * ({@link Networks#fullResolution}).
 */
public final class ICNet extends SegmentationNetwork {

    public static final String OUTPUT_16 = "output-16";
    public static final String OUTPUT_8 = "output-8";
    public static final String OUTPUT_4 = "output-4";

    private final List<Double> lossWeights;

    private ICNet(Builder b) {
        super(b);
        if (b.lossWeights.size() != 3 || b.lossWeights.stream().anyMatch(w -> !(w > 0))) {
            throw new IllegalArgumentException("ICNet needs 3 positive loss weights, got " + b.lossWeights);
        }
        this.lossWeights = List.copyOf(b.lossWeights);
    }

    public static Builder builder() {
        return new Builder();
    }

    public List<Double> lossWeights() {
        return lossWeights;
    }

    @Override
    public GraphBuilder graphBuilder() {
        GraphBuilder g = newGraph();
        int w = width;

        String sub1 = convBnRelu(g, "sub1", 1, INPUT, w, 3, 2);
        sub1 = convBnRelu(g, "sub1", 2, sub1, w, 3, 2);
        sub1 = convBnRelu(g, "sub1", 3, sub1, 2 * w, 3, 2);

        // The 2x2 average as the resampling loops, not a pooling layer: oneDNN pools a 3-channel NCHW
        // image with its reference kernel. Faster inference, slightly slower training (the loops'
        // backward pass, which gives the image's unused gradient, is the slower one).
        String half = "sub2-downsample";
        g.addLayer(half, new AdaptiveAvgPool2D(inputSize / 2, inputSize / 2), INPUT);
        String sub2 = convBnRelu(g, "sub2", 1, half, w, 3, 2);
        sub2 = convBnRelu(g, "sub2", 2, sub2, 2 * w, 3, 2);
        sub2 = convBnRelu(g, "sub2", 3, sub2, 4 * w, 3, 2);
        sub2 = convBnRelu(g, "sub2", 4, sub2, 4 * w, 3, 1);

        String sub4 = pool(g, "sub4-downsample", sub2, PoolingType.AVG);
        int size32 = inputSize / 32;
        sub4 = convBnRelu(g, "sub4", 1, sub4, 8 * w, 3, 1, 2);
        sub4 = convBnRelu(g, "sub4", 2, sub4, 8 * w, 3, 1, 2);
        List<String> pyramid = new ArrayList<>();
        pyramid.add(sub4);
        for (int bin : PSPNet.BINS) {
            g.addLayer("ppm-pool" + bin, new AdaptiveAvgPool2D(bin, bin), sub4);
            g.addLayer("ppm-up" + bin, new BilinearResize2D(size32, size32), "ppm-pool" + bin);
            pyramid.add("ppm-up" + bin);
        }
        g.addVertex("ppm-sum", new ElementWiseVertex(ElementWiseVertex.Op.Add), pyramid.toArray(String[]::new));
        sub4 = convBnRelu(g, "sub4-reduce", 1, "ppm-sum", 4 * w, 1, 1);

        String cff1 = cascadeFeatureFusion(g, 1, sub4, size32, sub2, 4 * w);
        String aux16 = classifier(g, "cff1-cls", "cff1-up", numClasses);
        String cff2 = cascadeFeatureFusion(g, 2, cff1, inputSize / 16, sub1, 4 * w);
        String aux8 = classifier(g, "cff2-cls", "cff2-up", numClasses);

        g.addLayer("final-up", new BilinearResize2D(inputSize / 4, inputSize / 4), cff2);
        String main = classifier(g, "final-cls", "final-up", numClasses);

        lossOutput(g, OUTPUT_16, aux16, outputLoss(lossWeights.get(0), pixels(16)));
        lossOutput(g, OUTPUT_8, aux8, outputLoss(lossWeights.get(1), pixels(8)));
        lossOutput(g, OUTPUT_4, main, outputLoss(lossWeights.get(2), pixels(4)));
        return g.setOutputs(OUTPUT_16, OUTPUT_8, OUTPUT_4);
    }

    /**
     * Cascade feature fusion: {@code cff<k>-up} (F1 x2, bilinear) -> {@code cff<k>-dilated} 3x3
     * dilation 2 + BN; F2 -> {@code cff<k>-proj} 1x1 + BN; {@code cff<k>-sum}; {@code cff<k>-relu}.
     */
    private String cascadeFeatureFusion(GraphBuilder g, int k, String coarse, int coarseSize, String fine,
            int nOut) {
        String p = "cff" + k;
        g.addLayer(p + "-up", new BilinearResize2D(2 * coarseSize, 2 * coarseSize), coarse);
        String c = batchNorm(g, p + "-bn-coarse", conv(g, p + "-dilated", p + "-up", nOut, 3, 1, 2, false));
        String f = batchNorm(g, p + "-bn-fine", conv(g, p + "-proj", fine, nOut, 1, 1, false));
        g.addVertex(p + "-sum", new ElementWiseVertex(ElementWiseVertex.Op.Add), c, f);
        return relu(g, p + "-relu", p + "-sum");
    }

    private long pixels(int downsample) {
        long side = inputSize / downsample;
        return side * side;
    }

    @Override
    public List<String> outputNames() {
        return List.of(OUTPUT_16, OUTPUT_8, OUTPUT_4);
    }

    @Override
    public int[] labelDownsample() {
        return new int[] {16, 8, 4};
    }

    /** ICNet settings; width is the full-resolution branch's first filter count (16 by default). */
    public static final class Builder extends SegmentationNetwork.Builder<Builder> {
        private List<Double> lossWeights = ModelSpec.DEFAULT_ICNET_LOSS_WEIGHTS;

        private Builder() {
            super(Architecture.ICNET.defaultWidth());
        }

        /** Loss weights of the outputs at 1/16, 1/8 and 1/4, in that order. */
        public Builder lossWeights(List<Double> lossWeights) {
            this.lossWeights = lossWeights;
            return this;
        }

        @Override
        public Builder spec(ModelSpec spec) {
            return super.spec(spec).lossWeights(spec.icnetLossWeights());
        }

        @Override
        protected Builder self() {
            return this;
        }

        public ICNet build() {
            return new ICNet(this);
        }
    }
}
