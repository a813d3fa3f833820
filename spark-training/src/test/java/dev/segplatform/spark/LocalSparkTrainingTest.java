package dev.segplatform.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.segplatform.core.model.ModelSpec;
import dev.segplatform.core.model.Networks;
import dev.segplatform.core.train.IterationProgress;
import dev.segplatform.core.train.TrainingListener;
import dev.segplatform.core.train.TrainingOptions;
import dev.segplatform.core.train.TrainingResult;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;

/**
 * DL4J's Spark parameter averaging on two local Spark workers (threads of this JVM): the workers
 * rebuild the project's U-Net, custom layers included, from its JSON configuration, train, and the
 * averaged graph learns the pets, also when its training resumes from a checkpoint.
 */
class LocalSparkTrainingTest {

    /** The second epoch runs in a new trainer from the first one's checkpoint, as after a restart. */
    @Test
    void parameterAveragingOnTwoLocalWorkersLearnsThePetsAcrossACheckpoint() throws IOException {
        try (JavaSparkContext sc = new JavaSparkContext(PetsOnSpark.conf("local[" + PetsOnSpark.WORKERS + "]",
                "local-spark-training-test"))) {
            PetsOnSpark.trainAndCheck(sc, "local", true);
        }
    }

    /** A stop request (cancel, prune, shutdown) is heard after the averaging round that is running. */
    @Test
    void stopsBetweenAveragingRounds() throws IOException {
        ModelSpec spec = PetsOnSpark.tinyUnet();
        List<IterationProgress> progress = new ArrayList<>();
        TrainingResult result;
        try (JavaSparkContext sc = new JavaSparkContext(PetsOnSpark.conf("local[" + PetsOnSpark.WORKERS + "]",
                "local-spark-stop-test"))) {
            SparkSegmentationTrainer trainer = new SparkSegmentationTrainer(spec, Networks.build(spec), sc,
                    new SparkTrainingOptions(PetsOnSpark.WORKERS, PetsOnSpark.AVERAGING_FREQUENCY,
                            Path.of("target", "spark-export", "stop").toAbsolutePath()), PetsOnSpark.BATCH_SIZE);
            result = trainer.train(PetsOnSpark.pets().train(), PetsOnSpark.pets().validation(),
                    TrainingOptions.of(PetsOnSpark.EPOCHS, PetsOnSpark.BATCH_SIZE), new TrainingListener() {
                        @Override
                        public void onIteration(IterationProgress p) {
                            progress.add(p);
                        }

                        @Override
                        public boolean stopRequested() {
                            return !progress.isEmpty();
                        }
                    });
        }
        assertThat(result.stopped()).isTrue();
        assertThat(result.epochs()).isEmpty();
        assertThat(result.stoppedEpoch()).isZero();
        assertThat(result.stoppedBatch()).isEqualTo(PetsOnSpark.ROUND);
        assertThat(progress).singleElement().satisfies(p -> {
            assertThat(p.iteration()).isEqualTo(PetsOnSpark.ROUND);
            assertThat(Double.isFinite(p.loss())).as("the round's loss").isTrue();
        });
    }

    /** DL4J fixes the minibatch size when the training master is built; another one is refused. */
    @Test
    void refusesOptionsItWasNotBuiltFor() throws IOException {
        ModelSpec spec = PetsOnSpark.tinyUnet();
        try (JavaSparkContext sc = new JavaSparkContext(PetsOnSpark.conf("local[1]", "local-spark-refusal-test"))) {
            SparkSegmentationTrainer trainer = new SparkSegmentationTrainer(spec, Networks.build(spec), sc,
                    new SparkTrainingOptions(1, 1, Path.of("target", "spark-export", "refusal").toAbsolutePath()), 8);
            assertThatThrownBy(() -> trainer.train(PetsOnSpark.pets().train(), PetsOnSpark.pets().validation(),
                    TrainingOptions.of(1, 16), null))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("minibatches of 8, not 16");
            ModelSpec larger = ModelSpec.of(spec.architecture(), 64, 3).withWidth(8);
            SparkSegmentationTrainer other = new SparkSegmentationTrainer(larger, Networks.build(larger), sc,
                    new SparkTrainingOptions(1, 1, Path.of("target", "spark-export", "refusal").toAbsolutePath()), 8);
            assertThatThrownBy(() -> other.train(PetsOnSpark.pets().train(), PetsOnSpark.pets().validation(),
                    TrainingOptions.of(1, 8), null))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("64 px");
        }
    }
}
