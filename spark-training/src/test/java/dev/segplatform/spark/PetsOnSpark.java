package dev.segplatform.spark;

import static org.assertj.core.api.Assertions.assertThat;

import dev.segplatform.core.bundle.GraphArchive;
import dev.segplatform.core.dataset.PetData;
import dev.segplatform.core.dataset.PetDataOptions;
import dev.segplatform.core.metrics.ConfusionMatrix;
import dev.segplatform.core.model.Architecture;
import dev.segplatform.core.model.ModelSpec;
import dev.segplatform.core.model.Networks;
import dev.segplatform.core.model.Optimizer;
import dev.segplatform.core.train.EpochResult;
import dev.segplatform.core.train.IterationProgress;
import dev.segplatform.core.train.SegmentationTrainer;
import dev.segplatform.core.train.TrainingListener;
import dev.segplatform.core.train.TrainingOptions;
import dev.segplatform.core.train.TrainingResult;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The training both Spark tests run and the bar it must clear: the project's U-Net at the size of
 * the core's learning test, two workers averaging every few minibatches, two epochs on synthetic
 * pets, then better than predicting the majority class everywhere.
 */
final class PetsOnSpark {

    private static final Path PETS = Path.of("target", "test-data", "synthetic-pets-400-2024");
    static final int WORKERS = 2;
    static final int EPOCHS = 2;
    /**
     * Minibatches per worker between averagings. DL4J rebuilds each worker's network for every
     * round, which costs more than fitting a few minibatches of this tiny network, so averaging
     * after every step would spend most of the test on that.
     */
    static final int AVERAGING_FREQUENCY = 4;
    /** Minibatches in one averaging round: every worker's share. */
    static final int ROUND = WORKERS * AVERAGING_FREQUENCY;
    /** Per worker and step: the two workers together fit 16 images per step, as the core's test does. */
    static final int BATCH_SIZE = 8;

    private PetsOnSpark() {
    }

    /** Settings every test's Spark application shares: loopback only, no web UI. */
    static SparkConf conf(String master, String name) {
        return new SparkConf()
                .setMaster(master)
                .setAppName(name)
                .set("spark.ui.enabled", "false")
                .set("spark.driver.host", "127.0.0.1")
                .set("spark.driver.bindAddress", "127.0.0.1");
    }

    /** 32 px, width 8: a 2x2 bottleneck after four poolings. */
    static ModelSpec tinyUnet() {
        return ModelSpec.of(Architecture.UNET, 32, 3).withWidth(8).withOptimizer(Optimizer.ADAM, 3e-3, 0);
    }

    private static PetData pets;

    /** Generated into {@code target/} once per build directory, loaded once per JVM. */
    static synchronized PetData pets() throws IOException {
        if (pets == null) {
            pets = PetData.loadOrGenerate(PETS, 400, 2024, PetDataOptions.of(32));
        }
        return pets;
    }

    /** Trains in {@code sc} and asserts that the network learned. */
    static TrainingResult trainAndCheck(JavaSparkContext sc, String label) throws IOException {
        return trainAndCheck(sc, label, false);
    }

    /**
     * Trains in {@code sc} and asserts that the network learned; with {@code throughCheckpoint} the
     * first epoch ends with the graph written and read back as the trainer's checkpoints do, and the
     * rest runs in a new trainer from that graph, as after a restarted driver.
     */
    static TrainingResult trainAndCheck(JavaSparkContext sc, String label, boolean throughCheckpoint)
            throws IOException {
        PetData pets = pets();
        ModelSpec spec = tinyUnet();
        Path export = Path.of("target", "spark-export", label).toAbsolutePath();
        List<IterationProgress> progress = new ArrayList<>();
        TrainingListener report = new TrainingListener() {
            @Override
            public void onIteration(IterationProgress p) {
                progress.add(p);
            }

            @Override
            public void onEpoch(EpochResult r) {
                System.out.printf("%s epoch %d: loss %.4f val_loss %.4f val_acc %.3f val_miou %.3f"
                        + " (%.1fs, %.1f img/s)%n", label, r.epoch(), r.loss(), r.valLoss(), r.valAccuracy(),
                        r.valMeanIou(), r.epochSeconds(), r.imagesPerSecond());
            }
        };
        TrainingOptions options = TrainingOptions.of(EPOCHS, BATCH_SIZE).withTrainEvalLimit(64);
        SparkTrainingOptions onSpark = new SparkTrainingOptions(WORKERS, AVERAGING_FREQUENCY, export);
        TrainingResult result;
        if (throughCheckpoint) {
            SparkSegmentationTrainer first = new SparkSegmentationTrainer(spec, Networks.build(spec), sc, onSpark,
                    BATCH_SIZE);
            TrainingResult epoch0 = first.train(pets.train(), pets.validation(),
                    new TrainingOptions(1, BATCH_SIZE, 0, true, 64, 32, 0, 1), report);
            ByteArrayOutputStream checkpoint = new ByteArrayOutputStream();
            GraphArchive.write(first.graph(), checkpoint);
            ComputationGraph restored = GraphArchive.read(new ByteArrayInputStream(checkpoint.toByteArray()));
            INDArray adam = first.graph().getUpdater().getStateViewArray();
            assertThat(adam.amaxNumber().doubleValue()).as("the workers' averaged Adam moments reach the driver")
                    .isGreaterThan(0);
            assertThat(restored.getUpdater().getStateViewArray()).as("and survive the checkpoint").isEqualTo(adam);
            TrainingResult rest = new SparkSegmentationTrainer(spec, restored, sc, onSpark, BATCH_SIZE)
                    .train(pets.train(), pets.validation(), options.withStartEpoch(1), report);
            List<EpochResult> all = new ArrayList<>(epoch0.epochs());
            all.addAll(rest.epochs());
            result = new TrainingResult(all, rest.stopped(), rest.stoppedEpoch(), rest.stoppedBatch());
        } else {
            result = new SparkSegmentationTrainer(spec, Networks.build(spec), sc, onSpark, BATCH_SIZE)
                    .train(pets.train(), pets.validation(), options, report);
        }

        ConfusionMatrix baseline = new SegmentationTrainer(spec).evaluate(pets.validation(), 0, 64)
                .confusion().majorityBaseline();
        EpochResult first = result.epochs().get(0);
        EpochResult last = result.last();
        System.out.printf("%s: val accuracy %.3f (baseline %.3f), val mean IoU %.3f (baseline %.3f)%n", label,
                last.valAccuracy(), baseline.pixelAccuracy(), last.valMeanIou(), baseline.meanIou());
        assertThat(result.stopped()).isFalse();
        assertThat(result.epochs()).hasSize(EPOCHS);
        int batches = (pets.train().size() + BATCH_SIZE - 1) / BATCH_SIZE;
        int rounds = (batches + ROUND - 1) / ROUND;
        assertThat(progress).as("one progress report per averaging round").hasSize(EPOCHS * rounds);
        assertThat(progress.get(rounds - 1).iteration()).isEqualTo(batches);
        assertThat(progress.get(rounds - 1).iterationsPerEpoch()).isEqualTo(batches);
        assertThat(last.loss()).as("training loss falls").isLessThan(first.loss());
        assertThat(last.valAccuracy()).as("val accuracy vs majority baseline")
                .isGreaterThan(baseline.pixelAccuracy() + 0.03);
        assertThat(last.valMeanIou()).as("val mean IoU vs majority baseline")
                .isGreaterThan(baseline.meanIou() + 0.05);
        return result;
    }
}
