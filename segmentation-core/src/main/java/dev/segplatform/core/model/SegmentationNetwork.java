package dev.segplatform.core.model;

import dev.segplatform.core.model.layer.BlockedLinks;
import dev.segplatform.core.model.layer.InputGradients;
import dev.segplatform.core.model.layer.LossSum;
import dev.segplatform.core.model.layer.LovaszSoftmaxLoss;
import dev.segplatform.core.model.layer.SoftDiceLoss;
import dev.segplatform.core.model.layer.PixelMeanLoss;
import dev.segplatform.core.model.layer.PixelSoftmaxLoss;
import dev.segplatform.core.model.optim.InPlaceUpdater;
import java.util.List;
import org.deeplearning4j.nn.conf.CacheMode;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.ILossFunction;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;

/**
 * What the three network builders share, in the manner of the DL4J zoo: settings with defaults,
 * {@link #graphBuilder()} (the layer wiring, open to inspection or changes) apart from
 * {@link #init()} (an initialised graph).
 *
 * <p>Every network takes one NCHW input {@code "input"} of {@code inputSize x inputSize x 3} in
 * [0, 1] and ends in one or more {@link PixelSoftmaxLoss} layers (softmax over channels, the spec's
 * {@link Loss} as a per-pixel mean via {@link PixelMeanLoss}); {@link #outputNames()} and {@link #labelDownsample()}
 * list them in the graph's output order.
 */
public abstract class SegmentationNetwork {

    /** The single graph input. */
    public static final String INPUT = "input";

    /** Dice's smoothing term: 1, as is usual; it only matters for a class the batch lacks. */
    static final double DICE_SMOOTHING = 1.0;

    protected final int inputSize;
    protected final int numClasses;
    protected final int width;
    protected final long seed;
    protected final Optimizer optimizer;
    protected final double learningRate;
    protected final double weightDecay;
    protected final DataType dataType;
    protected final Loss loss;
    /** The cross-entropy's class weights, or null for none. */
    protected final List<Double> classWeights;

    protected SegmentationNetwork(Builder<?> b) {
        if (b.inputSize < 32 || b.inputSize % 32 != 0) {
            throw new IllegalArgumentException("inputSize must be a positive multiple of 32, got " + b.inputSize);
        }
        if (b.numClasses < 2) {
            throw new IllegalArgumentException("numClasses must be at least 2, got " + b.numClasses);
        }
        if (b.width < 1) {
            throw new IllegalArgumentException("width must be positive, got " + b.width);
        }
        this.inputSize = b.inputSize;
        this.numClasses = b.numClasses;
        this.width = b.width;
        this.seed = b.seed;
        this.optimizer = b.optimizer;
        this.learningRate = b.learningRate;
        this.weightDecay = b.weightDecay;
        this.dataType = b.dataType;
        this.loss = b.loss;
        if (b.classWeights != null && b.classWeights.size() != b.numClasses) {
            throw new IllegalArgumentException("classWeights must have one value per class (" + b.numClasses
                    + "), got " + b.classWeights);
        }
        this.classWeights = b.classWeights == null ? null : List.copyOf(b.classWeights);
    }

    /**
     * The loss of one output: the spec's {@link Loss} with its class weights, as a per-pixel mean
     * times {@code weight} (see {@link PixelMeanLoss}).
     */
    protected PixelMeanLoss outputLoss(double weight, long pixelsPerImage) {
        LossMCXENT crossEntropy = classWeights == null ? new LossMCXENT()
                : new LossMCXENT(Nd4j.createFromArray(classWeights.stream().mapToDouble(Double::doubleValue).toArray())
                        .castTo(dataType).reshape(1, classWeights.size()));
        ILossFunction perPixel = switch (loss) {
            case CROSS_ENTROPY -> crossEntropy;
            case DICE -> new LossSum(crossEntropy, new SoftDiceLoss(DICE_SMOOTHING));
            case LOVASZ -> new LossSum(crossEntropy, new LovaszSoftmaxLoss(pixelsPerImage));
        };
        return new PixelMeanLoss(perPixel, weight, pixelsPerImage);
    }

    /** The wiring of the network, on top of {@link #baseConfiguration()}. */
    public abstract ComputationGraphConfiguration.GraphBuilder graphBuilder();

    /** Output vertex names in the graph's output order. */
    public abstract List<String> outputNames();

    /** Label downsampling factor per output, in output order (1 = full resolution). */
    public abstract int[] labelDownsample();

    public ComputationGraphConfiguration conf() {
        ComputationGraphConfiguration conf = graphBuilder().build();
        InputGradients.skipUnused(conf);
        BlockedLinks.linkForTraining(conf);
        return conf;
    }

    /** A new graph with freshly initialised (seeded) weights and an {@link InPlaceUpdater}. */
    public ComputationGraph init() {
        ComputationGraph graph = new ComputationGraph(conf());
        graph.init();
        InPlaceUpdater.install(graph);
        return graph;
    }

    public int inputSize() {
        return inputSize;
    }

    public int numClasses() {
        return numClasses;
    }

    public int width() {
        return width;
    }

    /**
     * Settings shared by every layer: seed, He initialisation for ReLU nets, "same" padding,
     * identity activation unless a layer says otherwise (DL4J's default is sigmoid), the optimizer
     * and its weight decay.
     */
    protected NeuralNetConfiguration.Builder baseConfiguration() {
        NeuralNetConfiguration.Builder b = new NeuralNetConfiguration.Builder()
                .seed(seed)
                .dataType(dataType)
                .weightInit(WeightInit.RELU)
                .activation(Activation.IDENTITY)
                .convolutionMode(ConvolutionMode.Same)
                // Each layer keeps its pre-activation for its backward pass instead of recomputing the
                // forward convolution: faster training for more memory (measure it with
                // bin/bench ab unet '"cacheMode" : "DEVICE"' '"cacheMode" : "NONE"').
                .cacheMode(CacheMode.DEVICE)
                .updater(new Adam(learningRate));
        if (weightDecay > 0) {
            if (optimizer == Optimizer.ADAMW) {
                // Decoupled: applied after the Adam step and scaled by the learning rate, as AdamW.
                b.weightDecay(weightDecay, true);
            } else {
                b.l2(weightDecay);
            }
        }
        return b;
    }

    /** Starts a graph with the single image input and its declared type. */
    protected ComputationGraphConfiguration.GraphBuilder newGraph() {
        return baseConfiguration().graphBuilder()
                .addInputs(INPUT)
                .setInputTypes(org.deeplearning4j.nn.conf.inputs.InputType.convolutional(inputSize, inputSize, 3));
    }

    /**
     * Settings common to the network builders.
     *
     * @param <B> the concrete builder, so that chained setters keep their type
     */
    public abstract static class Builder<B extends Builder<B>> {
        int inputSize = ModelSpec.DEFAULT_INPUT_SIZE;
        int numClasses = ModelSpec.DEFAULT_NUM_CLASSES;
        int width;
        long seed = 42;
        Optimizer optimizer = Optimizer.ADAM;
        double learningRate = ModelSpec.DEFAULT_LEARNING_RATE;
        double weightDecay;
        DataType dataType = DataType.FLOAT;
        Loss loss = Loss.CROSS_ENTROPY;
        List<Double> classWeights;

        protected Builder(int defaultWidth) {
            this.width = defaultWidth;
        }

        protected abstract B self();

        public B inputSize(int inputSize) {
            this.inputSize = inputSize;
            return self();
        }

        public B numClasses(int numClasses) {
            this.numClasses = numClasses;
            return self();
        }

        /** Base filter count: the width of the first block, doubled as resolution halves. */
        public B width(int width) {
            this.width = width;
            return self();
        }

        public B seed(long seed) {
            this.seed = seed;
            return self();
        }

        public B optimizer(Optimizer optimizer, double learningRate, double weightDecay) {
            this.optimizer = optimizer;
            this.learningRate = learningRate;
            this.weightDecay = weightDecay;
            return self();
        }

        /** Float by default; double for gradient checks. */
        public B dataType(DataType dataType) {
            this.dataType = dataType;
            return self();
        }

        /** The loss of every output, and the cross-entropy's class weights (null: none). */
        public B loss(Loss loss, List<Double> classWeights) {
            this.loss = loss;
            this.classWeights = classWeights;
            return self();
        }

        /** Copies size, width, seed, optimizer and loss from a spec. */
        public B spec(ModelSpec spec) {
            return inputSize(spec.inputSize()).numClasses(spec.numClasses()).width(spec.width()).seed(spec.seed())
                    .optimizer(spec.optimizer(), spec.learningRate(), spec.weightDecay())
                    .loss(spec.loss(), spec.classWeights());
        }
    }
}
