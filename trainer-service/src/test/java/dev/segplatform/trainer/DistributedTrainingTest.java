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
 * Runs with {@code distributed} through the real experiment service and real trainer processes, whose
 * Spark runs on {@code local[2]} (the default for two workers): the job behaves like every job
 * (metrics per epoch, checkpoints, shutdown and resume, bundle) and the model, averaged across the
 * workers, learns.
 */
class DistributedTrainingTest {

    /** The Spark module's own test data: 400 synthetic pets at 32 px, on which two epochs learn. */
    private static final String PETS = "{\"type\": \"synthetic\", \"count\": 400, \"seed\": 2024}";
    /** Spark settings through trainer.spark.conf: the driver on loopback (this machine's name resolves there). */
    private static final String[] LOOPBACK = {"--trainer.spark.conf[spark.driver.host]=127.0.0.1",
            "--trainer.spark.conf[spark.driver.bindAddress]=127.0.0.1"};

    @Test
    void aDistributedRunSucceedsLearnsAndItsBundleLoads() throws Exception {
        ExperimentClient client = Platform.client();
        long experimentId = Platform.experiment("distributed");
        try (ServiceProcess trainer = Platform.trainer("spark", LOOPBACK)) {
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
            // The pets the trainer generated (its work folder), read rather than drawn again.
            PetData pets = PetData.loadOrGenerate(Platform.ROOT.resolve("work").resolve("datasets")
                    .resolve("synthetic-400-2024"), 400, 2024, PetDataOptions.of(32));
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

    /**
     * SIGTERM while Spark trains (Spark's own shutdown hook stops its context at the same time): the
     * run is checkpointed and given back, not failed, and another trainer resumes it from
     * {@code checkpoints/last.zip} with no epoch logged twice or missed.
     */
    @Test
    void aDistributedRunGivenBackOnShutdownResumesOnAnotherTrainer() throws Exception {
        ExperimentClient client = Platform.client();
        long experimentId = Platform.experiment("distributed-resume");
        String body = """
                {"spec": {"model": "unet", "epochs": 3, "batchSize": 8, "learningRate": 0.003, "imageSize": 32,
                 "width": 8, "seed": 5, "dataset": %s, "distributed": {"workers": 2, "averagingFrequency": 2}}}"""
                .formatted(PETS);
        long runId;
        Path firstLog;
        try (ServiceProcess first = Platform.trainer("spark-first", LOOPBACK)) {
            firstLog = first.log();
            long id = Platform.post("/api/experiments/" + experimentId + "/runs", body).get("id").asLong();
            runId = id;
            // Once the first epoch is logged, the second is training on Spark: stop the trainer then.
            Platform.await(id, Duration.ofMinutes(5), run -> !client.metricHistory(id, "val_loss").history().isEmpty()
                    || !List.of("QUEUED", "RUNNING").contains(run.get("status").asString()));
        }
        JsonNode given = client.run(runId);
        assertThat(given.get("status").asString()).as(given + "\nlog: " + firstLog).isEqualTo("QUEUED");
        assertThat(Files.readString(firstLog)).contains("stopped (SHUTDOWN)");

        try (ServiceProcess second = Platform.trainer("spark-second", LOOPBACK)) {
            JsonNode run = Platform.awaitEnd(runId, Duration.ofMinutes(5));
            assertThat(run.get("status").asString()).as(run + "\nlog: " + second.log()).isEqualTo("SUCCEEDED");
            assertThat(Files.readString(second.log())).contains("resuming after epoch");
            assertThat(client.metricHistory(runId, "val_loss").history()).extracting(MetricHistory.Point::step)
                    .containsExactly(1L, 2L, 3L);
            Path bundle = Files.createTempDirectory(Platform.ROOT, "spark-resumed-").resolve("bundle.zip");
            client.downloadArtifact(runId, ArtifactPaths.MODEL_BUNDLE, bundle);
            assertThat(ModelBundle.load(bundle).descriptor().trainingRunId()).isEqualTo(Long.toString(runId));
        }
    }
}
