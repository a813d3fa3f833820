package dev.segplatform.spark;

import static org.assertj.core.api.Assertions.assertThat;

import dev.segplatform.core.dataset.PetData;
import dev.segplatform.core.dataset.PetDataOptions;
import dev.segplatform.core.metrics.ConfusionMatrix;
import dev.segplatform.core.model.Architecture;
import dev.segplatform.core.model.ModelSpec;
import dev.segplatform.core.model.Networks;
import dev.segplatform.core.model.Optimizer;
import dev.segplatform.core.train.EpochResult;
import dev.segplatform.core.train.SegmentationTrainer;
import dev.segplatform.core.train.TrainingListener;
import dev.segplatform.core.train.TrainingOptions;
import dev.segplatform.core.train.TrainingResult;
import java.io.IOException;
import java.nio.file.Path;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;

/**
 * The project's U-Net, with its custom layers, trained by DL4J's Spark parameter averaging on two
 * local Spark workers: the workers rebuild the graph from its JSON configuration, train, and the
 * averaged graph learns the synthetic pets.
 */
class LocalSparkTrainingTest {

    static final Path PETS = Path.of("target", "test-data", "synthetic-pets-400-2024");

    static PetData pets(int size) throws IOException {
        return PetData.loadOrGenerate(PETS, 400, 2024, PetDataOptions.of(size));
    }

    /** 32 px, width 8: the U-Net of the core's learning test. */
    static ModelSpec tinyUnet() {
        return ModelSpec.of(Architecture.UNET, 32, 3).withWidth(8).withOptimizer(Optimizer.ADAM, 3e-3, 0);
    }

    @Test
    void parameterAveragingOnTwoLocalWorkersLearnsThePets() throws IOException {
        PetData pets = pets(32);
        ModelSpec spec = tinyUnet();
        SparkConf conf = new SparkConf()
                .setMaster("local[2]")
                .setAppName("local-spark-training-test")
                .set("spark.ui.enabled", "false")
                .set("spark.driver.host", "127.0.0.1")
                .set("spark.driver.bindAddress", "127.0.0.1");
        TrainingResult result;
        try (JavaSparkContext sc = new JavaSparkContext(conf)) {
            SparkSegmentationTrainer trainer = new SparkSegmentationTrainer(spec, Networks.build(spec), sc,
                    new SparkTrainingOptions(2, 1, Path.of("target", "spark-export").toAbsolutePath()), 8);
            result = trainer.train(pets.train(), pets.validation(),
                    TrainingOptions.of(2, 8).withTrainEvalLimit(64), new TrainingListener() {
                        @Override
                        public void onEpoch(EpochResult r) {
                            System.out.printf("spark epoch %d: loss %.4f val_loss %.4f val_acc %.3f val_miou %.3f"
                                    + " (%.1fs, %.1f img/s)%n", r.epoch(), r.loss(), r.valLoss(), r.valAccuracy(),
                                    r.valMeanIou(), r.epochSeconds(), r.imagesPerSecond());
                        }
                    });
        }
        ConfusionMatrix baseline = new SegmentationTrainer(spec).evaluate(pets.validation(), 0, 64)
                .confusion().majorityBaseline();
        EpochResult first = result.epochs().get(0);
        EpochResult last = result.last();
        System.out.printf("spark: val accuracy %.3f (baseline %.3f), val mean IoU %.3f (baseline %.3f)%n",
                last.valAccuracy(), baseline.pixelAccuracy(), last.valMeanIou(), baseline.meanIou());

        assertThat(result.epochs()).hasSize(2);
        assertThat(last.loss()).as("training loss falls").isLessThan(first.loss());
        assertThat(last.valAccuracy()).as("val accuracy vs majority baseline")
                .isGreaterThan(baseline.pixelAccuracy() + 0.03);
        assertThat(last.valMeanIou()).as("val mean IoU vs majority baseline")
                .isGreaterThan(baseline.meanIou() + 0.05);
    }
}
