package dev.segplatform.core.train;

import dev.segplatform.core.dataset.SegmentationDataset;
import dev.segplatform.core.dataset.SegmentationIterator;
import dev.segplatform.core.metrics.ConfusionMatrix;
import dev.segplatform.core.model.ModelSpec;
import dev.segplatform.core.model.Networks;
import dev.segplatform.core.model.optim.InPlaceUpdater;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.stream.IntStream;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.parallelism.ParallelWrapper;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Fits a segmentation graph epoch by epoch and evaluates it after each epoch. A plain library
 * class: the trainer service adds checkpoints, heartbeats and early stopping around it through a
 * {@link TrainingListener} (checked before every minibatch) and by starting from a given epoch
 * with a restored graph.
 *
 * <p>Minibatches come from {@link SegmentationIterator}, shuffled with the spec's seed and the
 * epoch number, with one label array per network output. Metrics are computed at full resolution
 * (ICNet's 1/4 output is upsampled first), so the three architectures compare directly.
 *
 * <p>Not thread-safe: one trainer, one thread.
 */
public final class SegmentationTrainer {

    /** DL4J's MCXENT clips probabilities the same way before the log. */
    private static final double LOG_CLIP = 1e-10;

    private final ModelSpec spec;
    private final ComputationGraph graph;

    /** A trainer for a freshly initialised graph of {@code spec}. */
    public SegmentationTrainer(ModelSpec spec) {
        this(spec, Networks.build(spec));
    }

    /** A trainer for an existing graph of {@code spec}, e.g. restored from a checkpoint. */
    public SegmentationTrainer(ModelSpec spec, ComputationGraph graph) {
        this.spec = Objects.requireNonNull(spec, "spec");
        this.graph = Objects.requireNonNull(graph, "graph");
        int outputs = graph.getConfiguration().getNetworkOutputs().size();
        if (outputs != Networks.labelDownsample(spec).length) {
            throw new IllegalArgumentException("graph has " + outputs + " outputs but a " + spec.architecture()
                    + " spec expects " + Networks.labelDownsample(spec).length);
        }
    }

    public ModelSpec spec() {
        return spec;
    }

    public ComputationGraph graph() {
        return graph;
    }

    /**
     * Trains epochs {@code options.startEpoch() .. options.epochs()-1}, starting inside the first
     * one after {@code options.startBatch()} minibatches. With {@code options.devices() > 1} the
     * minibatches go through DL4J's {@link ParallelWrapper}, averaging weights and updater state
     * after every step (the synchronous data-parallel contract; DL4J's threshold-encoded
     * SHARED_GRADIENTS mode did not converge on these networks).
     *
     * @throws TrainingDivergedException if a minibatch loss is NaN or infinite
     */
    public TrainingResult train(SegmentationDataset train, SegmentationDataset validation, TrainingOptions options,
            TrainingListener listener) {
        checkData(train);
        checkData(validation);
        TrainingListener l = listener == null ? TrainingListener.NONE : listener;
        InPlaceUpdater.install(graph); // also on a graph restored from a checkpoint
        SegmentationIterator batches = SegmentationIterator.builder(train)
                .batchSize(options.batchSize())
                .seed(spec.seed())
                .flip(options.flip())
                .labelDownsample(Networks.labelDownsample(spec))
                .build();
        ParallelWrapper parallel = options.devices() > 1 ? parallelWrapper(graph, options.devices(), new InPlaceTrainerContext())
                : null;
        List<EpochResult> done = new ArrayList<>();
        try {
            for (int epoch = options.startEpoch(); epoch < options.epochs(); epoch++) {
                batches.setEpoch(epoch);
                int skipped = epoch == options.startEpoch() ? options.startBatch() : 0;
                for (int i = 0; i < skipped && batches.hasNext(); i++) {
                    batches.next();
                }
                long start = System.nanoTime();
                EpochBatches epochBatches = new EpochBatches(batches, epoch, skipped, start, l);
                double fittedLoss = parallel == null ? fit(epochBatches, epoch) : fitParallel(parallel, epochBatches);
                if (epochBatches.stopped()) {
                    return new TrainingResult(done, true, epoch, skipped + epochBatches.served());
                }
                double fitSeconds = seconds(start);
                graph.getConfiguration().setEpochCount(epoch + 1);

                Evaluation onTrain = evaluate(train, options.trainEvalLimit(), options.evalBatchSize());
                Evaluation onValidation = evaluate(validation, 0, options.evalBatchSize());
                ConfusionMatrix v = onValidation.confusion();
                EpochResult result = new EpochResult(epoch, Double.isNaN(fittedLoss) ? onTrain.loss() : fittedLoss,
                        onTrain.confusion().pixelAccuracy(), onTrain.confusion().meanIou(),
                        onValidation.loss(), v.pixelAccuracy(), v.meanIou(),
                        Arrays.stream(v.perClassIou()).boxed().toList(),
                        seconds(start), epochBatches.images() / fitSeconds);
                done.add(result);
                l.onEpoch(result);
            }
        } finally {
            if (parallel != null) {
                parallel.shutdown();
            }
        }
        return new TrainingResult(done, false, -1, 0);
    }

    /**
     * DL4J's data-parallel wrapper around {@code graph}, whose workers {@code workers} makes. Set
     * after {@code build()}: the builder replaces any factory given to it with DL4J's own in the
     * averaging mode, and the wrapper makes its workers only at its first {@code fit}.
     */
    static ParallelWrapper parallelWrapper(ComputationGraph graph, int devices, InPlaceTrainerContext workers) {
        ParallelWrapper parallel = new ParallelWrapper.Builder<>(graph)
                .workers(devices)
                .prefetchBuffer(2)
                .trainingMode(ParallelWrapper.TrainingMode.AVERAGING)
                .averagingFrequency(1)
                .averageUpdaters(true)
                .build();
        parallel.setTrainerContext(workers);
        return parallel;
    }

    /** One epoch on the graph itself; returns the mean minibatch loss, weighted by images. */
    private double fit(EpochBatches batches, int epoch) {
        double lossSum = 0;
        while (batches.hasNext()) {
            MultiDataSet batch = batches.next();
            graph.fit(batch);
            double loss = graph.score();
            if (!Double.isFinite(loss)) {
                throw new TrainingDivergedException(epoch, batches.served(), loss);
            }
            lossSum += loss * batch.getFeatures(0).size(0);
            batches.reportLoss(loss);
        }
        return batches.images() == 0 ? Double.NaN : lossSum / batches.images();
    }

    /**
     * One epoch through the wrapper, which owns the minibatch loop; its workers' scores are not
     * reported back, so the epoch's training loss is measured afterwards (NaN here).
     */
    private static double fitParallel(ParallelWrapper parallel, EpochBatches batches) {
        parallel.fit(batches);
        return Double.NaN;
    }

    /**
     * Loss and confusion matrix of the graph on the first {@code limit} examples of {@code data}
     * (0 = all), in inference mode, unflipped.
     */
    public Evaluation evaluate(SegmentationDataset data, int limit, int batchSize) {
        checkData(data);
        int n = limit == 0 ? data.size() : Math.min(limit, data.size());
        int[] strides = Networks.labelDownsample(spec);
        double[] weights = Networks.lossWeights(spec);
        ConfusionMatrix confusion = new ConfusionMatrix(spec.numClasses());
        double lossSum = 0;
        for (int from = 0; from < n; from += batchSize) {
            int[] idx = IntStream.range(from, Math.min(n, from + batchSize)).toArray();
            INDArray[] outputs = graph.output(false, data.features(idx, null));
            for (int i = 0; i < outputs.length; i++) {
                INDArray labels = data.labels(idx, null, strides[i], spec.numClasses());
                lossSum += weights[i] * crossEntropyPerImage(outputs[i], labels);
            }
            confusion.add(data.labels(idx, null, 1, spec.numClasses()), Networks.fullResolution(spec, outputs));
        }
        return new Evaluation(n == 0 ? Double.NaN : lossSum / n, confusion);
    }

    /** Sum over images of each image's mean per-pixel cross-entropy. */
    private static double crossEntropyPerImage(INDArray probabilities, INDArray labels) {
        INDArray logP = Transforms.log(Transforms.max(probabilities, LOG_CLIP, true), false);
        double total = -logP.muli(labels).sumNumber().doubleValue();
        return total / (labels.size(2) * labels.size(3));
    }

    private void checkData(SegmentationDataset data) {
        if (data.imageSize() != spec.inputSize()) {
            throw new IllegalArgumentException("dataset images are " + data.imageSize() + " px but the model takes "
                    + spec.inputSize());
        }
        if (data.numClasses() > spec.numClasses()) {
            throw new IllegalArgumentException("dataset has " + data.numClasses() + " classes but the model only "
                    + spec.numClasses());
        }
    }

    private static double seconds(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e9;
    }
}
