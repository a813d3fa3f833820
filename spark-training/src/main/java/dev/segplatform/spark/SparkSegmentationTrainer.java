package dev.segplatform.spark;

import dev.segplatform.core.dataset.SegmentationDataset;
import dev.segplatform.core.dataset.SegmentationIterator;
import dev.segplatform.core.metrics.ConfusionMatrix;
import dev.segplatform.core.model.ModelSpec;
import dev.segplatform.core.model.Networks;
import dev.segplatform.core.train.EpochResult;
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
import java.util.List;
import java.util.Objects;
import org.apache.spark.api.java.JavaRDD;
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
 * SparkTrainingOptions#exportDirectory()}; in every epoch DL4J hands each worker a share of the
 * file names ({@code fitPaths}) and the executors read the files themselves, so the data set does
 * not pass through the driver again. (DL4J's own export of an RDD refuses a cluster whose default
 * Hadoop file system is the local one, which is every cluster without HDFS.) The price: the
 * batches are the same every epoch (DL4J reshuffles which worker gets which batch, not the examples
 * inside them) and there are no random flips.
 *
 * <p>After each epoch the driver's averaged graph is evaluated with {@link SegmentationTrainer}'s
 * own evaluation, so the metrics mean what they mean for a job trained on one machine.
 */
public final class SparkSegmentationTrainer {

    private final ModelSpec spec;
    private final SparkComputationGraph sparkGraph;
    private final SparkTrainingOptions sparkOptions;
    private final JavaSparkContext sc;

    /** Spark training of {@code graph} (fresh, or restored from a checkpoint) in {@code sc}. */
    public SparkSegmentationTrainer(ModelSpec spec, ComputationGraph graph, JavaSparkContext sc,
            SparkTrainingOptions sparkOptions, int batchSize) {
        this.spec = Objects.requireNonNull(spec, "spec");
        this.sc = Objects.requireNonNull(sc, "sc");
        this.sparkOptions = Objects.requireNonNull(sparkOptions, "sparkOptions");
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
     * Trains epochs {@code options.startEpoch() .. options.epochs()-1} on Spark. The listener hears
     * each finished epoch and is asked before each epoch whether to stop (one Spark fit is not
     * interrupted). Mid-epoch resume ({@code startBatch}), flips and {@code devices} do not apply.
     */
    public TrainingResult train(SegmentationDataset train, SegmentationDataset validation, TrainingOptions options,
            TrainingListener listener) {
        TrainingListener l = listener == null ? TrainingListener.NONE : listener;
        JavaRDD<String> batches = exportMinibatches(train, options.batchSize());
        List<EpochResult> done = new ArrayList<>();
        for (int epoch = options.startEpoch(); epoch < options.epochs(); epoch++) {
            if (l.stopRequested()) {
                return new TrainingResult(done, true, epoch, 0);
            }
            long start = System.nanoTime();
            sparkGraph.fitPaths(batches, new SerializedMultiDataSetLoader());
            double fitSeconds = (System.nanoTime() - start) / 1e9;
            ComputationGraph graph = sparkGraph.getNetwork();
            graph.getConfiguration().setEpochCount(epoch + 1);

            SegmentationTrainer evaluator = new SegmentationTrainer(spec, graph);
            Evaluation onTrain = evaluator.evaluate(train, options.trainEvalLimit(), options.evalBatchSize());
            Evaluation onValidation = evaluator.evaluate(validation, 0, options.evalBatchSize());
            ConfusionMatrix v = onValidation.confusion();
            EpochResult result = new EpochResult(epoch, onTrain.loss(), onTrain.confusion().pixelAccuracy(),
                    onTrain.confusion().meanIou(), onValidation.loss(), v.pixelAccuracy(), v.meanIou(),
                    Arrays.stream(v.perClassIou()).boxed().toList(), (System.nanoTime() - start) / 1e9,
                    train.size() / fitSeconds);
            done.add(result);
            l.onEpoch(result);
        }
        return new TrainingResult(done, false, -1, 0);
    }

    /**
     * Writes one epoch's minibatches, in a fixed order and unflipped, as files into the export
     * directory and returns their URIs, spread over one partition per worker. Executors read the
     * files themselves in every epoch; only the list of names goes through the driver.
     */
    private JavaRDD<String> exportMinibatches(SegmentationDataset train, int batchSize) {
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
        return sc.parallelize(uris, sparkOptions.workers());
    }
}
