package dev.segplatform.trainer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.segplatform.core.bundle.ModelBundle;
import dev.segplatform.core.dataset.PetData;
import dev.segplatform.core.dataset.PetDataOptions;
import dev.segplatform.core.predict.MaskEncoder;
import dev.segplatform.core.train.SegmentationTrainer;
import dev.segplatform.experiment.api.ArtifactInfo;
import dev.segplatform.experiment.api.ArtifactPaths;
import dev.segplatform.experiment.api.MetricHistory;
import dev.segplatform.experiment.client.ExperimentClient;
import dev.segplatform.testsupport.ServiceProcess;
import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;

/**
 * A real trainer process against a real experiment service process on embedded PostgreSQL, training
 * real DL4J networks on generated pets. The user side speaks REST only.
 */
class TrainerEndToEndTest {

    static ServiceProcess trainer;
    static ExperimentClient client;
    static long experimentId;

    @BeforeAll
    static void start() throws Exception {
        client = Platform.client();
        trainer = Platform.trainer("e2e");
        experimentId = Platform.experiment("e2e");
    }

    @AfterAll
    static void stop() throws Exception {
        trainer.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"unet", "pspnet", "icnet"})
    void trainsARunToSucceededWithMetricsAndArtifacts(String model) throws Exception {
        long runId = Platform.run(experimentId, model, 3, "");
        JsonNode run = Platform.awaitEnd(runId, Duration.ofMinutes(4));

        assertThat(run.get("status").asString()).as(run.toString()).isEqualTo("SUCCEEDED");
        assertThat(run.get("attempt").asInt()).isEqualTo(1);
        assertThat(run.get("params").get("parameters").asLong()).isPositive();
        for (String key : List.of("loss", "accuracy", "mean_iou", "val_loss", "val_accuracy", "val_mean_iou",
                "val_iou_pet", "val_iou_background", "val_iou_border", "epoch_seconds", "images_per_second")) {
            MetricHistory history = client.metricHistory(runId, key);
            assertThat(history.history()).as(key).extracting(MetricHistory.Point::step).containsExactly(1L, 2L, 3L);
        }
        assertThat(run.get("progress").get("epoch").asInt()).isEqualTo(3);
        List<String> artifacts = client.listArtifacts(runId, null).stream().map(ArtifactInfo::path).toList();
        assertThat(artifacts).contains("checkpoints/last.zip", ArtifactPaths.MODEL_BUNDLE);
        // Each sample validation image as input, ground truth and prediction, side by side under its name.
        Map<String, List<String>> samples = artifacts.stream().filter(path -> path.startsWith(ArtifactPaths.SAMPLES_DIR))
                .collect(Collectors.groupingBy(path -> path.substring(0, path.lastIndexOf('/')), TreeMap::new,
                        Collectors.mapping(path -> path.substring(path.lastIndexOf('/') + 1), Collectors.toList())));
        assertThat(samples).hasSize(4);
        samples.values().forEach(files -> assertThat(files).containsExactlyInAnyOrder(ArtifactPaths.SAMPLE_INPUT,
                ArtifactPaths.SAMPLE_TRUTH, ArtifactPaths.SAMPLE_MASK));

        // The bundle loads and predicts; a sample mask decodes as a PNG of the input size.
        Path bundle = Files.createTempDirectory(Platform.ROOT, "bundle-").resolve("bundle.zip");
        client.downloadArtifact(runId, ArtifactPaths.MODEL_BUNDLE, bundle);
        ModelBundle loaded = ModelBundle.load(bundle);
        assertThat(loaded.descriptor().architecture()).isEqualTo(model);
        assertThat(loaded.descriptor().trainingRunId()).isEqualTo(Long.toString(runId));
        assertThat(loaded.descriptor().metrics()).containsKey("val_mean_iou");

        // The bundle is the epoch of highest val_mean_iou (keep: best, the default), recorded as such...
        List<MetricHistory.Point> iou = client.metricHistory(runId, "val_mean_iou").history();
        MetricHistory.Point best = iou.stream().reduce((x, y) -> y.value() > x.value() ? y : x).orElseThrow();
        JsonNode ended = client.run(runId);
        assertThat(ended.get("params").get("best_epoch").asString()).isEqualTo(Long.toString(best.step()));
        assertThat(ended.get("params").get("bundle_epoch").asString()).isEqualTo(Long.toString(best.step()));
        assertThat(loaded.descriptor().epoch()).isEqualTo((int) best.step());
        assertThat(loaded.descriptor().metrics().get("val_mean_iou")).isEqualTo(best.value());
        // ...and its weights are that epoch's: on the same validation images they score what was logged then.
        PetData pets = PetData.loadOrGenerate(Files.createTempDirectory(Platform.ROOT, "pets-"), 60, 11,
                PetDataOptions.of(32));
        double recomputed = new SegmentationTrainer(loaded.spec(), loaded.graph()).evaluate(pets.validation(), 0, 8)
                .confusion().meanIou();
        assertThat(recomputed).as("val mean IoU of the bundle; logged per epoch: " + iou)
                .isCloseTo(best.value(), within(1e-6));
        for (String sample : samples.keySet()) {
            for (String file : samples.get(sample)) {
                Path png = bundle.resolveSibling(sample.replace('/', '-') + "-" + file);
                client.downloadArtifact(runId, sample + "/" + file, png);
                BufferedImage image = ImageIO.read(png.toFile());
                assertThat(image).as(sample + "/" + file + " decodes").isNotNull();
                assertThat(image.getWidth()).as(file).isEqualTo(32);
                assertThat(image.getHeight()).as(file).isEqualTo(32);
                if (file.equals(ArtifactPaths.SAMPLE_INPUT)) {
                    assertThat(image.getColorModel().getNumComponents()).as("RGB").isEqualTo(3);
                } else {
                    // Both masks are palette PNGs in the same colours, pixel values being class indices.
                    assertThat(image.getColorModel()).isInstanceOf(IndexColorModel.class);
                    assertThat(((IndexColorModel) image.getColorModel()).getRGB(0) & 0xFFFFFF)
                            .isEqualTo(MaskEncoder.DEFAULT_PALETTE[0]);
                }
                if (file.equals(ArtifactPaths.SAMPLE_TRUTH)) {
                    Set<Integer> colours = new HashSet<>();
                    for (int y = 0; y < image.getHeight(); y++) {
                        for (int x = 0; x < image.getWidth(); x++) {
                            colours.add(image.getRGB(x, y));
                        }
                    }
                    assertThat(colours).as("the ground truth of " + sample + " has a pet and a background").hasSizeGreaterThan(1);
                }
            }
        }
    }

    @Test
    void aCancelledRunStopsWithinSeconds() throws Exception {
        long runId = Platform.run(experimentId, "unet", 500, "");
        Platform.await(runId, Duration.ofMinutes(2), run -> run.get("progress") != null && !run.get("progress").isNull());
        long cancelledAt = System.nanoTime();
        Platform.cancel(runId);
        JsonNode run = Platform.awaitEnd(runId, Duration.ofSeconds(30));
        assertThat(run.get("status").asString()).isEqualTo("CANCELLED");
        assertThat(Duration.ofNanos(System.nanoTime() - cancelledAt)).isLessThan(Duration.ofSeconds(30));
        assertThat(run.get("progress").get("epoch").asInt()).isLessThan(500);
    }

    @Test
    void aFailingJobEndsFailedWithItsReasonAndTheWorkerTakesTheNext() throws Exception {
        long missing = Platform.run(experimentId, "unet", 1, "{\"type\": \"oxford-pet\", \"path\": \"no-such-folder\"}", "");
        long next = Platform.run(experimentId, "unet", 1, "");

        JsonNode failed = Platform.awaitEnd(missing, Duration.ofMinutes(2));
        assertThat(failed.get("status").asString()).isEqualTo("FAILED");
        assertThat(failed.get("message").asString()).contains("no-such-folder");
        assertThat(Platform.awaitEnd(next, Duration.ofMinutes(2)).get("status").asString()).isEqualTo("SUCCEEDED");
        assertThat(trainer.isAlive()).isTrue();
    }
}
