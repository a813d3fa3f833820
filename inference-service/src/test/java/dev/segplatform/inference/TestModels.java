package dev.segplatform.inference;

import dev.segplatform.core.bundle.ModelBundle;
import dev.segplatform.core.dataset.PetData;
import dev.segplatform.core.dataset.PetDataOptions;
import dev.segplatform.core.dataset.SegmentationDataset;
import dev.segplatform.core.image.ImageDecoder;
import dev.segplatform.core.model.Architecture;
import dev.segplatform.core.model.ModelSpec;
import dev.segplatform.core.model.Networks;
import dev.segplatform.core.model.Optimizer;
import dev.segplatform.core.train.EpochResult;
import dev.segplatform.core.train.SegmentationTrainer;
import dev.segplatform.core.train.TrainingOptions;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.graph.ComputationGraph;

/**
 * The models and images the tests share: a tiny U-Net (width 8, 32 px) trained for a few epochs on
 * generated pets, and an untrained one of the same shape as the "worse" model of the swap test.
 * Bundles go under {@code target/}, written by segmentation-core as a trainer would. The trained
 * bundle is kept there and reused by later test runs of the same build folder (its name records
 * everything that made it), because training takes from 20 s on idle cores to minutes on busy ones.
 */
public final class TestModels {

    public static final Path ROOT = Path.of("target", "test-models").toAbsolutePath();
    private static final int PET_COUNT = 140;
    private static final long PET_SEED = 7;
    private static final int EPOCHS = 15;
    private static final Path PETS = Path.of("target", "test-data", "pets-" + PET_COUNT + "-" + PET_SEED)
            .toAbsolutePath();
    public static final ModelSpec SPEC = ModelSpec.of(Architecture.UNET, 32, 3).withWidth(8)
            .withOptimizer(Optimizer.ADAM, 3e-3, 0);
    private static Path trained;
    private static Path untrained;
    private static double trainedIou;

    private TestModels() {
    }

    /** The trained bundle, trained on first use unless an earlier run left it in {@code target/}. */
    public static synchronized Path trained() {
        if (trained == null) {
            try {
                PetData pets = PetData.loadOrGenerate(PETS, PET_COUNT, PET_SEED, PetDataOptions.of(SPEC.inputSize()));
                Path file = ROOT.resolve("unet-w8-32px-pets" + PET_COUNT + "-" + PET_SEED + "-e" + EPOCHS + ".zip");
                if (!Files.isRegularFile(file)) {
                    SegmentationTrainer trainer = new SegmentationTrainer(SPEC);
                    long start = System.nanoTime();
                    EpochResult last = trainer.train(pets.train(), pets.validation(),
                            TrainingOptions.of(EPOCHS, 16).withTrainEvalLimit(16), null).last();
                    System.out.printf("test model: val accuracy %.3f, val mean IoU %.3f after %.1f s%n",
                            last.valAccuracy(), last.valMeanIou(), (System.nanoTime() - start) / 1e9);
                    save(trainer.graph(), SPEC,
                            Map.of("val_mean_iou", last.valMeanIou(), "val_accuracy", last.valAccuracy()), "trained",
                            file);
                }
                trainedIou = ModelBundle.load(file).descriptor().metrics().get("val_mean_iou");
                trained = file;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return trained;
    }

    public static synchronized double trainedIou() {
        trained();
        return trainedIou;
    }

    /** Same network, initial weights, a different seed: a model anyone would replace. */
    public static synchronized Path untrained() {
        if (untrained == null) {
            try {
                ModelSpec spec = SPEC.withSeed(99);
                untrained = ROOT.resolve("unet-untrained-" + ProcessHandle.current().pid() + ".zip");
                save(Networks.build(spec), spec, Map.of("val_mean_iou", 0.1), "untrained", untrained);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return untrained;
    }

    private static void save(ComputationGraph graph, ModelSpec spec, Map<String, Double> metrics, String runId,
            Path file) throws IOException {
        ModelBundle.of(graph, spec, SegmentationDataset.CLASS_NAMES, metrics, runId).save(file);
    }

    /** Names of generated pets the model never trained on. */
    public static List<String> testPets() {
        trained();
        try {
            return Files.readAllLines(PETS.resolve("annotations").resolve("test.txt")).stream()
                    .filter(line -> !line.isBlank() && !line.startsWith("#"))
                    .map(line -> line.split("\\s+")[0]).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static byte[] petImage(String name) {
        try {
            return Files.readAllBytes(PETS.resolve("images").resolve(name + ".jpg"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The pet's trimap as class indices (trimap 1 pet -> 0, 2 background -> 1, 3 border -> 2), row-major. */
    public static int[] trimapClasses(String name) {
        try {
            BufferedImage trimap = ImageDecoder.read(Files.readAllBytes(
                    PETS.resolve("annotations").resolve("trimaps").resolve(name + ".png")));
            int w = trimap.getWidth();
            int h = trimap.getHeight();
            int[] classes = new int[w * h];
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    classes[y * w + x] = trimap.getRaster().getSample(x, y, 0) - 1;
                }
            }
            return classes;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
