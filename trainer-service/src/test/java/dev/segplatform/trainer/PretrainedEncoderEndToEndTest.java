package dev.segplatform.trainer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.segplatform.core.bundle.ModelBundle;
import dev.segplatform.core.dataset.PetData;
import dev.segplatform.core.dataset.PetDataOptions;
import dev.segplatform.core.model.Encoder;
import dev.segplatform.core.train.SegmentationTrainer;
import dev.segplatform.experiment.api.ArtifactPaths;
import dev.segplatform.experiment.api.MetricHistory;
import dev.segplatform.experiment.client.ExperimentClient;
import dev.segplatform.testsupport.ServiceProcess;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.deeplearning4j.zoo.model.VGG16;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * A U-Net with a pretrained VGG16 encoder through the real platform: posted to the experiment
 * service, trained by a trainer process that reads the weights from its {@code trainer.weights-root}.
 * The weights are a zoo-format file the test writes (DL4J's zoo VGG16 with random weights, saved as
 * the zoo saves its ImageNet file), because no machine here can download the ImageNet one. The
 * trainer's DL4J cache folder is empty and its download address refuses connections, so
 * {@code imagenet} shows what a trainer without network does.
 */
class PretrainedEncoderEndToEndTest {

    static ServiceProcess trainer;
    static ExperimentClient client;
    static long experimentId;
    static Path weightsRoot;
    static Path dl4jHome;

    @BeforeAll
    static void start() throws Exception {
        client = Platform.client();
        Files.createDirectories(Platform.ROOT);
        weightsRoot = Files.createTempDirectory(Platform.ROOT, "weights-");
        dl4jHome = Files.createTempDirectory(Platform.ROOT, "dl4j-home-");
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        // DL4J reads both as system properties; JAVA_TOOL_OPTIONS hands them to the trainer's JVM.
        String jvm = "-Dorg.deeplearning4j.resources.directory=" + dl4jHome
                + " -Dorg.deeplearning4j.resources.baseurl=http://127.0.0.1:" + closedPort + "/";
        trainer = Platform.trainer("encoder", Map.of("JAVA_TOOL_OPTIONS", jvm), "--trainer.weights-root=" + weightsRoot);
        experimentId = Platform.experiment("encoder");
    }

    @AfterAll
    static void stop() throws Exception {
        trainer.close();
    }

    @Test
    void aVgg16EncoderFromTheWeightsRootTrainsAndItsBundleScoresWhatWasLogged() throws Exception {
        ComputationGraph zoo = VGG16.builder().numClasses(10).inputShape(new int[] {3, 32, 32}).seed(5).build().init();
        Path file = Files.createDirectories(weightsRoot.resolve("vgg16")).resolve("zoo-format.zip");
        ModelSerializer.writeModel(zoo, file.toFile(), false);

        long runId = Platform.run(experimentId, "unet", 2,
                "\"encoder\": \"vgg16\", \"encoderWeights\": \"vgg16/zoo-format.zip\"");
        JsonNode run = Platform.awaitEnd(runId, Duration.ofMinutes(10));

        assertThat(run.get("status").asString()).as(run.toString()).isEqualTo("SUCCEEDED");
        for (String key : List.of("loss", "val_loss", "val_mean_iou", "val_accuracy")) {
            assertThat(client.metricHistory(runId, key).history()).as(key)
                    .extracting(MetricHistory.Point::step).containsExactly(1L, 2L);
        }
        Path bundle = Files.createTempDirectory(Platform.ROOT, "bundle-").resolve("bundle.zip");
        client.downloadArtifact(runId, ArtifactPaths.MODEL_BUNDLE, bundle);
        ModelBundle loaded = ModelBundle.load(bundle);
        assertThat(loaded.spec().encoder()).isEqualTo(Encoder.VGG16);
        assertThat(loaded.spec().freezeEncoder()).isTrue();
        assertThat(Path.of(loaded.spec().encoderWeights())).isEqualTo(file.toAbsolutePath());
        // Frozen, the served encoder holds the file's weights exactly (the zoo's first and last convolutions).
        assertThat(loaded.graph().paramTable().get("vgg1-conv1_W")).isEqualTo(zoo.getLayer("0").getParam("W"));
        assertThat(loaded.graph().paramTable().get("vgg5-conv3_W")).isEqualTo(zoo.getLayer("16").getParam("W"));

        // The bundle is the best epoch's, and scores on the validation pets what was logged for it.
        List<MetricHistory.Point> iou = client.metricHistory(runId, "val_mean_iou").history();
        MetricHistory.Point best = iou.stream().reduce((x, y) -> y.value() > x.value() ? y : x).orElseThrow();
        assertThat(loaded.descriptor().epoch()).isEqualTo((int) best.step());
        PetData pets = PetData.loadOrGenerate(Files.createTempDirectory(Platform.ROOT, "pets-"), 60, 11,
                PetDataOptions.of(32));
        double recomputed = new SegmentationTrainer(loaded.spec(), loaded.graph()).evaluate(pets.validation(), 0, 8)
                .confusion().meanIou();
        assertThat(recomputed).as("val mean IoU of the bundle; logged per epoch: " + iou)
                .isCloseTo(best.value(), within(1e-6));
    }

    @Test
    void weightsOutsideTheRootAreRefusedAndMissingOnesFailTheRunWithTheReason() throws Exception {
        HttpResponse<String> refused = Platform.send("/api/experiments/" + experimentId + "/runs", """
                {"spec": {"model": "unet", "epochs": 1, "batchSize": 8, "learningRate": 0.01, "imageSize": 32,
                 "dataset": %s, "encoder": "vgg16", "encoderWeights": "../vgg16.zip"}}""".formatted(Platform.PETS));
        assertThat(refused.statusCode()).isEqualTo(400);
        assertThat(refused.body()).contains("spec.encoderWeights").contains("relative");

        long missing = Platform.run(experimentId, "unet", 1, "\"encoder\": \"vgg16\", \"encoderWeights\": \"nowhere.zip\"");
        JsonNode failed = Platform.awaitEnd(missing, Duration.ofMinutes(2));
        assertThat(failed.get("status").asString()).isEqualTo("FAILED");
        assertThat(failed.get("message").asString()).contains("encoderWeights 'nowhere.zip'")
                .contains("trainer.weights-root");
    }

    /** No ImageNet file in the zoo's cache folder and no way to download it: the run fails at once, saying where to put it. */
    @Test
    void imagenetWithoutTheCachedFileOrANetworkFailsTheRunWithTheReason() throws Exception {
        long runId = Platform.run(experimentId, "unet", 1, "\"encoder\": \"vgg16\"");
        JsonNode failed = Platform.awaitEnd(runId, Duration.ofMinutes(2));
        assertThat(failed.get("status").asString()).isEqualTo("FAILED");
        assertThat(failed.get("message").asString()).contains("encoderWeights imagenet")
                .contains(dl4jHome.resolve("models/vgg16/vgg16_dl4j_inference.zip").toString())
                .contains("could not be downloaded");
        assertThat(trainer.isAlive()).isTrue();
    }
}
