package dev.segplatform.core.train;

import static org.assertj.core.api.Assertions.assertThat;

import dev.segplatform.core.bundle.ModelBundle;
import dev.segplatform.core.dataset.PetData;
import dev.segplatform.core.metrics.ConfusionMatrix;
import dev.segplatform.core.model.Architecture;
import dev.segplatform.core.model.ClassWeights;
import dev.segplatform.core.model.Loss;
import dev.segplatform.core.model.ModelSpec;
import dev.segplatform.core.model.Optimizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Each loss option trains: a small PSPNet (the quickest of the three networks) on the shared
 * synthetic pets, with median-frequency weighted cross-entropy, with cross-entropy + Dice and with
 * cross-entropy + Lovász-softmax, lowers its training loss and beats the majority-class baseline's
 * validation mean IoU. The Dice and Lovász models (whose losses are ours, written into the bundle's
 * configuration) are also saved as bundles and loaded again, predicting the same.
 */
class LossesLearnTest {

    private static ModelSpec spec(PetData pets, Loss loss, boolean weighted) {
        List<Double> weights = weighted ? ClassWeights.medianFrequency(pets.train().classPixelCounts()) : null;
        return ModelSpec.of(Architecture.PSPNET, 32, 3).withWidth(8).withOptimizer(Optimizer.ADAM, 3e-3, 0)
                .withLoss(loss, weights);
    }

    private static SegmentationTrainer trainAndCheck(ModelSpec spec) {
        PetData pets = LearningData.pets(spec.inputSize());
        SegmentationTrainer trainer = new SegmentationTrainer(spec);
        TrainingResult result = trainer.train(pets.train(), pets.validation(),
                TrainingOptions.of(3, 16).withTrainEvalLimit(64), new TrainingListener() {
                    @Override
                    public void onEpoch(EpochResult r) {
                        System.out.printf("%s %s epoch %d: loss %.4f val_miou %.3f border IoU %.3f%n", spec.loss(),
                                spec.classWeights(), r.epoch(), r.loss(), r.valMeanIou(), r.perClassIou().get(2));
                    }
                });
        ConfusionMatrix baseline = new SegmentationTrainer(spec).evaluate(pets.validation(), 0, 64).confusion()
                .majorityBaseline();
        assertThat(result.stopped()).isFalse();
        assertThat(result.last().loss()).as("training loss falls").isLessThan(result.epochs().get(0).loss());
        assertThat(result.last().valMeanIou()).as("val mean IoU vs majority baseline")
                .isGreaterThan(baseline.meanIou() + 0.1);
        return trainer;
    }

    @Test
    void medianFrequencyWeightedCrossEntropyLearns() {
        PetData pets = LearningData.pets(32);
        ModelSpec spec = spec(pets, Loss.CROSS_ENTROPY, true);
        // The border, the rarest class, weighs most; the commonest (background) least.
        assertThat(spec.classWeights().get(2)).isGreaterThan(spec.classWeights().get(0));
        assertThat(spec.classWeights().get(1)).isLessThan(1.0);
        trainAndCheck(spec);
    }

    @Test
    void crossEntropyPlusDiceLearnsAndItsBundleLoadsAgain(@TempDir Path dir) throws Exception {
        PetData pets = LearningData.pets(32);
        ModelSpec spec = spec(pets, Loss.DICE, true);
        loadsAgain(trainAndCheck(spec), spec, pets, dir);
    }

    @Test
    void crossEntropyPlusLovaszLearnsAndItsBundleLoadsAgain(@TempDir Path dir) throws Exception {
        PetData pets = LearningData.pets(32);
        ModelSpec spec = spec(pets, Loss.LOVASZ, false);
        loadsAgain(trainAndCheck(spec), spec, pets, dir);
    }

    private static void loadsAgain(SegmentationTrainer trainer, ModelSpec spec, PetData pets, Path dir) throws Exception {
        Path file = dir.resolve("bundle.zip");
        ModelBundle.of(trainer.graph(), spec, pets.validation().classNames(), Map.of(), "test").save(file);
        ModelBundle loaded = ModelBundle.load(file);
        assertThat(loaded.spec()).isEqualTo(spec);
        assertThat(loaded.graph().getConfiguration()).isEqualTo(trainer.graph().getConfiguration());
        INDArray features = pets.validation().features(new int[] {0, 1}, null);
        assertThat(loaded.graph().outputSingle(false, features)).isEqualTo(trainer.graph().outputSingle(false, features));
        assertThat(Files.size(file)).isPositive();
    }
}
