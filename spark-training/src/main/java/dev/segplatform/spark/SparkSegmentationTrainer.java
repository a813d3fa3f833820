package dev.segplatform.spark;

import dev.segplatform.core.dataset.SegmentationDataset;
import dev.segplatform.core.dataset.SegmentationIterator;
import dev.segplatform.core.metrics.ConfusionMatrix;
import dev.segplatform.core.model.ModelSpec;
import dev.segplatform.core.model.Networks;
import dev.segplatform.core.train.EpochResult;
import dev.segplatform.core.train.IterationProgress;
import dev.segplatform.core.train.Evaluation;
import dev.segplatform.core.train.SegmentationTrainer;
import dev.segplatform.core.train.TrainingListener;
import dev.segplatform.core.train.TrainingOptions;
import dev.segplatform.core.train.TrainingResult;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Random;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.core.loader.impl.SerializedMultiDataSetLoader;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.spark.impl.graph.SparkComputationGraph;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;

/**
 * Trains a segmentation graph data-parallel across Spark executors with DL4J's own Spark training
 * ({@link SparkComputationGraph} driven by a {@link ParameterAveragingTrainingMaster}): each worker
 * fits its share of the minibatches on its own copy of the network, and the driver averages
 * parameters and updater state every {@link SparkTrainingOptions#averagingFrequency()} minibatches.
 * No protocol of our own: this class only feeds DL4J and measures each epoch.
 *
 * <p>The training minibatches are cut once, on the driver, and written as files to {@link
 * SparkTrainingOptions#exportDirectory()}; DL4J hands each worker a share of the file names
 * ({@code fitPaths}) and the executors read the files themselves, so the data set does not pass
 * through the driver again. (DL4J's own export of an RDD refuses a cluster whose default Hadoop
 * file system is the local one, which is every cluster without HDFS.) The order of the files is
 * shuffled every epoch; the examples inside a minibatch stay together, and there are no random
 * flips.
 *
 * <p>After each epoch the driver's averaged graph is evaluated with {@link SegmentationTrainer}'s
 * own evaluation, so the metrics mean what they mean for a job trained on one machine.
 */
public final class SparkSegmentationTrainer {

    private final ModelSpec spec;
    private final SparkComputationGraph sparkGraph;
    private final SparkTrainingOptions sparkOptions;
    private final JavaSparkContext sc;
    private final int batchSize;

    /**
     * Spark training of {@code graph} (fresh, or restored from a checkpoint) in {@code sc}, in
     * minibatches of {@code batchSize} per worker (DL4J fixes it when the training master is built,
     * so {@link #train} must be given the same).
     */
    public SparkSegmentationTrainer(ModelSpec spec, ComputationGraph graph, JavaSparkContext sc,
            SparkTrainingOptions sparkOptions, int batchSize) {
        this.spec = Objects.requireNonNull(spec, "spec");
        this.sc = Objects.requireNonNull(sc, "sc");
        this.sparkOptions = Objects.requireNonNull(sparkOptions, "sparkOptions");
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize must be positive, got " + batchSize);
        }
        this.batchSize = batchSize;
        ParameterAveragingTrainingMaster master = new ParameterAveragingTrainingMaster.Builder(
                sparkOptions.workers(), batchSize)
                .batchSizePerWorker(batchSize)
                .averagingFrequency(sparkOptions.averagingFrequency())
                .saveUpdater(true)
                .workerPrefetchNumBatches(2)
                .rngSeed(spec.seed())
                .build();
        this.sparkGraph = new SparkComputationGraph(sc, graph, master);
    }

    /** The driver's copy of the graph: after each epoch, the average of the workers' copies. */
    public ComputationGraph graph() {
        return sparkGraph.getNetwork();
    }

    /**
     * Trains epochs {@code options.startEpoch() .. options.epochs()-1} on Spark, starting inside the
     * first one after {@code options.startBatch()} minibatches (rounded down to a whole averaging
     * round). Each epoch is handed to DL4J one averaging round at a time ({@code workers x
     * averagingFrequency} minibatches), so between rounds the listener hears progress (the loss is
     * DL4J's average over the round's workers) and is asked whether to stop, as it is between
     * minibatches on one machine. {@code flip} and {@code devices} do not apply here.
     */
    public TrainingResult train(SegmentationDataset train, SegmentationDataset validation, TrainingOptions options,
            TrainingListener listener) {
        if (options.batchSize() != batchSize) {
            throw new IllegalArgumentException("this trainer was built for minibatches of " + batchSize
                    + ", not " + options.batchSize());
        }
        for (SegmentationDataset data : List.of(train, validation)) {
            if (data.imageSize() != spec.inputSize() || data.numClasses() > spec.numClasses()) {
                throw new IllegalArgumentException(data + " does not fit a model of " + spec.inputSize() + " px and "
                        + spec.numClasses() + " classes");
            }
        }
        TrainingListener l = listener == null ? TrainingListener.NONE : listener;
        List<String> batches = exportMinibatches(train, options.batchSize());
        int round = sparkOptions.workers() * sparkOptions.averagingFrequency();
        SerializedMultiDataSetLoader loader = new SerializedMultiDataSetLoader();
        List<EpochResult> done = new ArrayList<>();
        for (int epoch = options.startEpoch(); epoch < options.epochs(); epoch++) {
            List<String> order = epochOrder(batches, epoch);
            int from = epoch == options.startEpoch() ? options.startBatch() / round * round : 0;
            long start = System.nanoTime();
            long images = 0;
            for (; from < order.size(); from += round) {
                if (l.stopRequested()) {
                    return new TrainingResult(done, true, epoch, from);
                }
                List<String> slice = order.subList(from, Math.min(order.size(), from + round));
                sparkGraph.fitPaths(sc.parallelize(slice, Math.min(slice.size(), sparkOptions.workers())), loader);
                images += (long) slice.size() * options.batchSize();
                l.onIteration(new IterationProgress(epoch, from + slice.size(), order.size(), sparkGraph.getScore(),
                        seconds(start)));
            }
            double fitSeconds = seconds(start);
            ComputationGraph graph = sparkGraph.getNetwork();
            graph.getConfiguration().setEpochCount(epoch + 1);

            SegmentationTrainer evaluator = new SegmentationTrainer(spec, graph);
            Evaluation onTrain = evaluator.evaluate(train, options.trainEvalLimit(), options.evalBatchSize());
            Evaluation onValidation = evaluator.evaluate(validation, 0, options.evalBatchSize());
            ConfusionMatrix v = onValidation.confusion();
            EpochResult result = new EpochResult(epoch, onTrain.loss(), onTrain.confusion().pixelAccuracy(),
                    onTrain.confusion().meanIou(), onValidation.loss(), v.pixelAccuracy(), v.meanIou(),
                    Arrays.stream(v.perClassIou()).boxed().toList(), seconds(start),
                    Math.min(images, train.size()) / fitSeconds);
            done.add(result);
            l.onEpoch(result);
        }
        return new TrainingResult(done, false, -1, 0);
    }

    /**
     * The epoch's order of the minibatch files, shuffled with the spec's seed and the epoch, so a
     * resumed run sees the order it would have seen.
     */
    private List<String> epochOrder(List<String> batches, int epoch) {
        List<String> order = new ArrayList<>(batches);
        Collections.shuffle(order, new Random(spec.seed() + epoch));
        return order;
    }

    private static double seconds(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e9;
    }

    /**
     * Writes the minibatches, unflipped, as files into the export directory and returns their URIs.
     * Executors read the files themselves in every epoch; only names go through the driver.
     */
    private List<String> exportMinibatches(SegmentationDataset train, int batchSize) {
        SegmentationIterator iterator = SegmentationIterator.builder(train)
                .batchSize(batchSize)
                .seed(spec.seed())
                .labelDownsample(Networks.labelDownsample(spec))
                .build();
        Path dir = sparkOptions.exportDirectory();
        List<String> uris = new ArrayList<>(iterator.batchesPerEpoch());
        try {
            Files.createDirectories(dir);
            while (iterator.hasNext()) {
                Path file = dir.resolve(String.format("batch-%05d.bin", uris.size()));
                try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file))) {
                    ((org.nd4j.linalg.dataset.MultiDataSet) iterator.next()).save(out);
                }
                uris.add(file.toUri().toString());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the training minibatches to " + dir, e);
        }
        return uris;
    }
}
