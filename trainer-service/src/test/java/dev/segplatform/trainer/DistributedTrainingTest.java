package dev.segplatform.trainer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.segplatform.core.bundle.ModelBundle;
import dev.segplatform.core.dataset.PetData;
import dev.segplatform.core.dataset.PetDataOptions;
import dev.segplatform.core.metrics.ConfusionMatrix;
import dev.segplatform.core.train.SegmentationTrainer;
import dev.segplatform.experiment.api.ArtifactInfo;
import dev.segplatform.experiment.api.ArtifactPaths;
import dev.segplatform.experiment.api.MetricHistory;
import dev.segplatform.experiment.client.ExperimentClient;
import dev.segplatform.testsupport.ServiceProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * A run with {@code distributed} through the real experiment service and a real trainer process, whose
 * Spark runs on {@code local[2]} (its default for two workers): the job behaves like every job
 * (metrics per epoch, checkpoint, bundle) and the model, averaged across the workers, learns.
 */
class DistributedTrainingTest {

    /** The Spark module's own test data: 400 synthetic pets at 32 px, on which two epochs learn. */
    private static final String PETS = "{\"type\": \"synthetic\", \"count\": 400, \"seed\": 2024}";

    @Test
    void aDistributedRunSucceedsLearnsAndItsBundleLoads() throws Exception {
        ExperimentClient client = Platform.client();
        long experimentId = Platform.experiment("distributed");
        try (ServiceProcess trainer = Platform.trainer("spark",
                "--trainer.spark.conf[spark.driver.host]=127.0.0.1",
                "--trainer.spark.conf[spark.driver.bindAddress]=127.0.0.1")) {
            String body = """
                    {"spec": {"model": "unet", "epochs": 2, "batchSize": 8, "learningRate": 0.003, "imageSize": 32,
                     "width": 8, "seed": 3, "dataset": %s, "distributed": {"workers": 2}}}""".formatted(PETS);
            long runId = Platform.post("/api/experiments/" + experimentId + "/runs", body).get("id").asLong();
            JsonNode run = Platform.awaitEnd(runId, Duration.ofMinutes(6));

            assertThat(run.get("status").asString()).as(run + "\nlog: " + trainer.log()).isEqualTo("SUCCEEDED");
            assertThat(run.get("params").get("distributed.workers").asString()).isEqualTo("2");
            assertThat(run.get("params").get("distributed.averagingFrequency").asString()).isEqualTo("4");
            assertThat(run.get("progress").get("epoch").asInt()).isEqualTo(2);
            for (String key : List.of("loss", "val_loss", "val_accuracy", "val_mean_iou", "images_per_second")) {
                assertThat(client.metricHistory(runId, key).history()).as(key)
                        .extracting(MetricHistory.Point::step).containsExactly(1L, 2L);
            }
            assertThat(client.listArtifacts(runId, null).stream().map(ArtifactInfo::path).toList())
                    .contains("checkpoints/last.zip", ArtifactPaths.MODEL_BUNDLE);
            assertThat(Files.readString(trainer.log())).contains("2 Spark workers on local[2]");

            // The bundle loads and holds the best epoch, whose validation scores it reproduces...
            Path bundle = Files.createTempDirectory(Platform.ROOT, "spark-bundle-").resolve("bundle.zip");
            client.downloadArtifact(runId, ArtifactPaths.MODEL_BUNDLE, bundle);
            ModelBundle loaded = ModelBundle.load(bundle);
            List<MetricHistory.Point> iou = client.metricHistory(runId, "val_mean_iou").history();
            MetricHistory.Point best = iou.stream().reduce((x, y) -> y.value() > x.value() ? y : x).orElseThrow();
            assertThat(loaded.descriptor().epoch()).isEqualTo((int) best.step());
            PetData pets = PetData.loadOrGenerate(Files.createTempDirectory(Platform.ROOT, "spark-pets-"), 400, 2024,
                    PetDataOptions.of(32));
            ConfusionMatrix scored = new SegmentationTrainer(loaded.spec(), loaded.graph())
                    .evaluate(pets.validation(), 0, 32).confusion();
            assertThat(scored.meanIou()).as("the bundle's val mean IoU; logged: " + iou)
                    .isCloseTo(best.value(), within(1e-6));
            // ...and beats predicting the majority class everywhere.
            ConfusionMatrix baseline = scored.majorityBaseline();
            assertThat(scored.pixelAccuracy()).as("val accuracy vs majority baseline")
                    .isGreaterThan(baseline.pixelAccuracy() + 0.03);
            assertThat(scored.meanIou()).as("val mean IoU vs majority baseline")
                    .isGreaterThan(baseline.meanIou() + 0.05);
        }
    }
}
