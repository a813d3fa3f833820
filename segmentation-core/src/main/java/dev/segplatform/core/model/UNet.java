package dev.segplatform.core.model;

import dev.segplatform.core.model.layer.PixelShuffleUp;
import static dev.segplatform.core.model.GraphBlocks.classifier;
import static dev.segplatform.core.model.GraphBlocks.conv;
import static dev.segplatform.core.model.GraphBlocks.convBnRelu;
import static dev.segplatform.core.model.GraphBlocks.lossOutput;
import static dev.segplatform.core.model.GraphBlocks.pool;

import java.util.List;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration.GraphBuilder;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer.PoolingType;

/**
 * U-Net (Ronneberger et al. 2015), small: {@code depth} encoder blocks of two 3x3 conv (no bias) +
 * BN + ReLU, each followed by a 2x2 max pool; a bridge block; {@code depth} decoder blocks that
 * upsample with a 2x2 stride-2 transposed convolution, concatenate the encoder block's output of
 * the same resolution and apply two conv+BN+ReLU; a 1x1 head.
 *
 * <p>Defaults (width 16, depth 4, 3 classes) match the PyTorch peer {@code src/test/python/torch_peer.py}
 * layer for layer: 1,942,611 trainable parameters. Layers: {@code enc<i>-conv<j>}, {@code pool<i>},
 * {@code bridge-conv<j>}, {@code up<i>-conv} + {@code up<i>} (the transposed convolution, see
 * {@link PixelShuffleUp}), {@code merge<i>}, {@code dec<i>-conv<j>}, {@code head}, {@code output};
 * decoder block {@code i} works at encoder block {@code i}'s resolution.
 *
 * <p>With a VGG16 encoder ({@link Encoder#VGG16}, see {@link Vgg16Blocks}) the five VGG blocks
 * replace the encoder blocks and the skips come from each VGG block's last ReLU (64, 128, 256, 512,
 * 512 channels at 1, 1/2, ..., 1/16); the bridge works on VGG's last pool (1/32) with {@code 32 x
 * width} filters and decoder block {@code i} has {@code width x 2^(i-1)} (512 and 256, 128, 64, 32,
 * 16 at width 16, as the usual VGG16 U-Net's center and decoder).
 */
public final class UNet extends SegmentationNetwork {

    public static final String OUTPUT = "output";

    private final int depth;
    private final Encoder encoder;
    private final String encoderWeights;
    private final boolean freezeEncoder;

    private UNet(Builder b) {
        super(b);
        if (b.depth < 1 || b.depth > 5) {
            throw new IllegalArgumentException("depth must be between 1 and 5, got " + b.depth);
        }
        this.encoder = b.encoder == null ? Encoder.NONE : b.encoder;
        if (encoder == Encoder.VGG16 && b.depth != Vgg16Blocks.BLOCKS.length) {
            throw new IllegalArgumentException("a VGG16 encoder has 5 blocks, so depth 5, got " + b.depth);
        }
        this.depth = b.depth;
        this.encoderWeights = encoder == Encoder.NONE ? null
                : b.encoderWeights == null ? ModelLimits.ENCODER_WEIGHTS_IMAGENET : b.encoderWeights;
        this.freezeEncoder = encoder != Encoder.NONE && b.freezeEncoder;
    }

    public static Builder builder() {
        return new Builder();
    }

    public int depth() {
        return depth;
    }

    public Encoder encoder() {
        return encoder;
    }

    @Override
    public GraphBuilder graphBuilder() {
        GraphBuilder g = newGraph();
        String[] skips = new String[depth + 1];
        String x = INPUT;
        int filters = width;
        if (encoder == Encoder.VGG16) {
            Vgg16Blocks.Outputs vgg = Vgg16Blocks.wire(g, INPUT, freezeEncoder);
            System.arraycopy(vgg.skips(), 1, skips, 1, depth);
            x = vgg.last();
            filters = width << depth;
        } else {
            for (int i = 1; i <= depth; i++) {
                x = convBnRelu(g, "enc" + i, 1, x, filters, 3, 1);
                x = convBnRelu(g, "enc" + i, 2, x, filters, 3, 1);
                skips[i] = x;
                x = pool(g, "pool" + i, x, PoolingType.MAX);
                filters *= 2;
            }
        }
        x = convBnRelu(g, "bridge", 1, x, filters, 3, 1);
        x = convBnRelu(g, "bridge", 2, x, filters, 3, 1);
        for (int i = depth; i >= 1; i--) {
            filters /= 2;
            // The 2x2 stride-2 transposed convolution as 1x1 conv + pixel shuffle + bias (see PixelShuffleUp).
            String up = conv(g, "up" + i + "-conv", x, 4 * filters, 1, 1, false);
            g.addLayer("up" + i, new PixelShuffleUp(2), up);
            g.addVertex("merge" + i, new MergeVertex(), "up" + i, skips[i]);
            x = convBnRelu(g, "dec" + i, 1, "merge" + i, filters, 3, 1);
            x = convBnRelu(g, "dec" + i, 2, x, filters, 3, 1);
        }
        String logits = classifier(g, "head", x, numClasses);
        lossOutput(g, OUTPUT, logits, outputLoss(1.0, (long) inputSize * inputSize));
        return g.setOutputs(OUTPUT);
    }

    /**
     * A new graph; with a VGG16 encoder, its weights loaded from {@code encoderWeights} (see
     * {@link Vgg16Weights}) and its input normalisation set.
     */
    @Override
    public ComputationGraph init() {
        // The weights first: a missing file fails before the whole graph is initialised for nothing.
        ComputationGraph source = encoder == Encoder.VGG16 ? Vgg16Weights.source(encoderWeights) : null;
        ComputationGraph graph = super.init();
        if (source != null) {
            Vgg16Blocks.setNormalization(graph);
            Vgg16Weights.copy(source, graph);
        }
        return graph;
    }

    @Override
    public List<String> outputNames() {
        return List.of(OUTPUT);
    }

    @Override
    public int[] labelDownsample() {
        return new int[] {1};
    }

    /** U-Net settings; width is the first block's filter count (16 by default). */
    public static final class Builder extends SegmentationNetwork.Builder<Builder> {
        private int depth = 4;
        private Encoder encoder = Encoder.NONE;
        private String encoderWeights;
        private boolean freezeEncoder;

        private Builder() {
            super(Architecture.UNET.defaultWidth());
        }

        /** Number of pooling steps (4 by default); the input size must be divisible by 2^depth. */
        public Builder depth(int depth) {
            this.depth = depth;
            return this;
        }

        /**
         * A pretrained encoder in place of the first blocks ({@link Encoder#VGG16} sets depth 5),
         * its weights' source ({@code imagenet} or a path, see {@link Vgg16Weights}) and whether
         * they stay frozen.
         */
        public Builder encoder(Encoder encoder, String weights, boolean freeze) {
            this.encoder = encoder;
            this.encoderWeights = weights;
            this.freezeEncoder = freeze;
            if (encoder == Encoder.VGG16) {
                depth = Vgg16Blocks.BLOCKS.length;
            }
            return this;
        }

        /** Also the encoder, beside what every network takes from a spec. */
        @Override
        public Builder spec(ModelSpec spec) {
            return super.spec(spec).encoder(spec.encoder(), spec.encoderWeights(), spec.freezeEncoder());
        }

        @Override
        protected Builder self() {
            return this;
        }

        public UNet build() {
            return new UNet(this);
        }
    }
}
