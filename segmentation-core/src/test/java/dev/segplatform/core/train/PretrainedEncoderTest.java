package dev.segplatform.core.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.segplatform.core.bundle.ModelBundle;
import dev.segplatform.core.dataset.PetData;
import dev.segplatform.core.dataset.SegmentationDataset;
import dev.segplatform.core.model.Architecture;
import dev.segplatform.core.model.Encoder;
import dev.segplatform.core.model.ModelSpec;
import dev.segplatform.core.model.Networks;
import dev.segplatform.core.model.Optimizer;
import dev.segplatform.core.model.Vgg16Weights;
import dev.segplatform.core.model.serving.InferenceGraph;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.deeplearning4j.common.resources.DL4JResources;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.deeplearning4j.zoo.model.VGG16;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The U-Net's pretrained VGG16 encoder, without the ImageNet file (no machine here can download
 * it): a weights file in the zoo's format written by the test itself, DL4J's zoo VGG16 with random
 * weights at 32 px (the convolutions' shapes do not depend on the input size) saved with
 * {@code ModelSerializer} as the zoo's file is. The encoder computes what the zoo's network computes
 * with those weights, a frozen encoder stays as loaded while the decoder learns, a fine-tuned one
 * changes, and the network learns on generated pets and survives a bundle round trip.
 *
 * <p>The file is written once and each network trained once (one frozen, read by path; one
 * fine-tuned, read from the zoo's cache folder), on few pets with a narrow decoder: VGG16's
 * encoder is the same whatever the decoder, and what is checked here is where weights come from
 * and which of them move, not how well the network segments.
 */
class PretrainedEncoderTest {

    private static final int SIZE = 32;
    /** The decoder's width; the encoder is VGG16's at any width. */
    private static final int WIDTH = 4;
    /** The zoo configuration's names of its thirteen convolutions (pools are 2, 5, 9, 13, 17). */
    private static final String[] ZOO_CONVS = {"0", "1", "3", "4", "6", "7", "8", "10", "11", "12", "14", "15", "16"};
    private static final String[] UNET_CONVS = {"vgg1-conv1", "vgg1-conv2", "vgg2-conv1", "vgg2-conv2", "vgg3-conv1",
            "vgg3-conv2", "vgg3-conv3", "vgg4-conv1", "vgg4-conv2", "vgg4-conv3", "vgg5-conv1", "vgg5-conv2", "vgg5-conv3"};

    @TempDir
    static Path dir;
    static Path zooFile;
    static ComputationGraph zoo;
    static PetData pets;
    /** The frozen network, its weights before training, and its training. */
    static ModelSpec frozenSpec;
    static ComputationGraph frozen;
    static Map<String, INDArray> frozenBefore;
    static TrainingResult frozenTraining;

    @BeforeAll
    static void writeZooFileAndTrainAFrozenUnet() throws Exception {
        zoo = VGG16.builder().numClasses(10).inputShape(new int[] {3, SIZE, SIZE}).seed(7).build().init();
        zooFile = dir.resolve("vgg16-zoo-format.zip");
        ModelSerializer.writeModel(zoo, zooFile.toFile(), false);
        pets = LearningData.pets(SIZE);

        frozenSpec = spec(zooFile.toString(), true);
        SegmentationTrainer trainer = new SegmentationTrainer(frozenSpec);
        frozen = trainer.graph();
        frozenBefore = new HashMap<>();
        frozen.paramTable().forEach((name, value) -> frozenBefore.put(name, value.dup()));
        frozenTraining = train(trainer, 32);
    }

    private static ModelSpec spec(String weights, boolean freeze) {
        return ModelSpec.of(Architecture.UNET, SIZE, 3).withWidth(WIDTH).withOptimizer(Optimizer.ADAM, 2e-3, 0)
                .withEncoder(Encoder.VGG16, weights, freeze);
    }

    private static void assertEncoderHoldsTheZoosWeights(ComputationGraph unet, boolean equal) {
        for (int i = 0; i < ZOO_CONVS.length; i++) {
            INDArray zooW = zoo.getLayer(ZOO_CONVS[i]).getParam("W");
            INDArray zooB = zoo.getLayer(ZOO_CONVS[i]).getParam("b");
            INDArray w = unet.paramTable().get(UNET_CONVS[i] + "_W");
            INDArray b = unet.paramTable().get(UNET_CONVS[i] + "_b");
            if (equal) {
                assertThat(w).as(UNET_CONVS[i]).isEqualTo(zooW);
                assertThat(b.reshape(zooB.shape())).as(UNET_CONVS[i]).isEqualTo(zooB);
            } else {
                assertThat(w).as(UNET_CONVS[i]).isNotEqualTo(zooW);
            }
        }
    }

    private static void assertTheNormalisationIsUntouched(ComputationGraph unet) {
        INDArray norm = unet.paramTable().get("vgg-input_W");
        assertThat(norm.getDouble(0, 2, 0, 0)).isEqualTo(255.0);
        assertThat(norm.getDouble(0, 0, 0, 0)).isEqualTo(0.0);
        assertThat(unet.paramTable().get("vgg-input_b").getDouble(0)).isEqualTo(-103.939, within(1e-4));
    }

    /** Two epochs on the first {@code images} training pets; the training loss must fall. */
    private static TrainingResult train(SegmentationTrainer trainer, int images) {
        TrainingResult result = trainer.train(first(pets.train(), images), first(pets.validation(), 16),
                TrainingOptions.of(2, 8).withTrainEvalLimit(8), new TrainingListener() {
                    @Override
                    public void onEpoch(EpochResult r) {
                        System.out.printf("vgg16 frozen=%s epoch %d: loss %.4f val_miou %.3f%n",
                                trainer.spec().freezeEncoder(), r.epoch(), r.loss(), r.valMeanIou());
                    }
                });
        assertThat(result.stopped()).isFalse();
        assertThat(result.last().loss()).as("training loss falls").isLessThan(result.epochs().get(0).loss());
        return result;
    }

    private static SegmentationDataset first(SegmentationDataset data, int n) {
        return data.subset(IntStream.range(0, n).toArray());
    }

    @Test
    void theEncoderComputesWhatTheZoosVgg16ComputesOnImageNetNormalisedInput() {
        assertEncoderHoldsTheZoosWeights(frozen, true);

        INDArray rgb = Nd4j.rand(org.nd4j.linalg.api.buffer.DataType.FLOAT, 2, 3, SIZE, SIZE);
        // What the ImageNet weights expect: BGR on the 0-255 scale minus the ImageNet means.
        INDArray bgr = Nd4j.concat(1, rgb.get(NDArrayIndex.all(), NDArrayIndex.interval(2, 3)),
                rgb.get(NDArrayIndex.all(), NDArrayIndex.interval(1, 2)),
                rgb.get(NDArrayIndex.all(), NDArrayIndex.interval(0, 1))).muli(255);
        double[] means = {103.939, 116.779, 123.68};
        for (int c = 0; c < 3; c++) {
            bgr.get(NDArrayIndex.all(), NDArrayIndex.point(c)).subi(means[c]);
        }
        Map<String, INDArray> zooActivations = zoo.feedForward(bgr.reshape('c', 2, 3 * SIZE * SIZE), false);
        Map<String, INDArray> ours = frozen.feedForward(rgb, false);
        for (String[] pair : new String[][] {{"1", "vgg1-relu2"}, {"8", "vgg3-relu3"}, {"16", "vgg5-relu3"}}) {
            INDArray expected = zooActivations.get(pair[0]);
            INDArray actual = ours.get(pair[1]);
            assertThat(actual.shape()).as(pair[1]).isEqualTo(expected.shape());
            assertThat(expected.norm2Number().doubleValue()).as(pair[0]).isPositive();
            assertThat(actual.sub(expected).norm2Number().doubleValue() / expected.norm2Number().doubleValue())
                    .as(pair[1] + " against the zoo's " + pair[0]).isLessThan(1e-4);
        }
    }

    @Test
    void aFrozenEncoderStaysAsLoadedWhileTheDecoderLearnsAndItsBundleLoadsAgain() throws Exception {
        assertEncoderHoldsTheZoosWeights(frozen, true);
        assertTheNormalisationIsUntouched(frozen);
        // Every other parameter learned.
        List<String> learned = frozen.paramTable().keySet().stream().filter(name -> !name.startsWith("vgg")).toList();
        assertThat(learned).contains("bridge-conv1_W", "dec1-conv1_W", "dec5-conv2_W", "head_W");
        for (String name : learned) {
            assertThat(frozen.paramTable().get(name)).as(name).isNotEqualTo(frozenBefore.get(name));
        }

        Path file = dir.resolve("vgg16-unet-bundle.zip");
        ModelBundle.of(frozen, frozenSpec, pets.validation().classNames(), Map.of(), "test").save(file);
        ModelBundle loaded = ModelBundle.load(file);
        assertThat(loaded.spec()).isEqualTo(frozenSpec);
        assertThat(loaded.graph().getConfiguration()).isEqualTo(frozen.getConfiguration());
        INDArray features = pets.validation().features(new int[] {0, 1}, null);
        INDArray expected = frozen.outputSingle(false, features);
        assertThat(loaded.graph().outputSingle(false, features)).isEqualTo(expected);
        // Served as the inference service serves it: folded, to float rounding.
        INDArray served = InferenceGraph.fold(loaded.graph()).outputSingle(false, features);
        assertThat(served.sub(expected).amaxNumber().doubleValue()).isLessThan(1e-4);
    }

    /** ImageNet from the zoo's cache folder, without downloading; fine-tuned, the encoder then changes. */
    @Test
    void imagenetIsReadFromTheZoosCacheFolderAndAFineTunedEncoderChanges() throws Exception {
        File base = Files.createDirectories(dir.resolve("dl4j-home")).toFile();
        DL4JResources.setBaseDirectory(base);
        try {
            Path cached = Vgg16Weights.imagenetCacheFile();
            assertThat(cached).isEqualTo(base.toPath().resolve("models/vgg16/vgg16_dl4j_inference.zip"));
            Files.createDirectories(cached.getParent());
            Files.copy(zooFile, cached);
            ModelSpec spec = spec(null, false);
            assertThat(spec.encoderWeights()).isEqualTo("imagenet");
            SegmentationTrainer trainer = new SegmentationTrainer(spec);
            assertEncoderHoldsTheZoosWeights(trainer.graph(), true);

            train(trainer, 16);
            assertEncoderHoldsTheZoosWeights(trainer.graph(), false);
            // The input normalisation is never trained.
            assertTheNormalisationIsUntouched(trainer.graph());
        } finally {
            DL4JResources.resetBaseDirectoryLocation();
        }
    }

    @Test
    void aFileWithoutVgg16sConvolutionsIsRefusedNamingTheField() throws Exception {
        Path other = dir.resolve("small-unet.zip");
        ModelSerializer.writeModel(Networks.build(ModelSpec.of(Architecture.UNET, SIZE, 3).withWidth(2)), other.toFile(),
                false);
        assertThatThrownBy(() -> Networks.build(spec(other.toString(), true)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("encoderWeights")
                .hasMessageContaining("13");
        assertThatThrownBy(() -> Networks.build(spec(dir.resolve("missing.zip").toString(), true)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("encoderWeights");
    }

    @Test
    void onlyTheUnetTakesAnEncoder() {
        assertThatThrownBy(() -> ModelSpec.of(Architecture.PSPNET, SIZE, 3).withEncoder(Encoder.VGG16, null, true))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("encoder");
        assertThatThrownBy(() -> ModelSpec.of(Architecture.UNET, SIZE, 3).withEncoder(Encoder.NONE, "imagenet", false))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("encoderWeights");
        assertThatThrownBy(() -> ModelSpec.of(Architecture.UNET, SIZE, 3).withEncoder(Encoder.NONE, null, true))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("freezeEncoder");
        List<String> names = Networks.network(spec("imagenet", true)).conf().getVertices().keySet().stream().toList();
        assertThat(names).contains("vgg-input", "vgg5-pool", "bridge-conv1", "dec5-conv2", "dec1-conv2", "output");
        // A shape test with 5 classes, as NetworkShapeTest's for the others: numClasses is used.
        ModelSpec five = ModelSpec.of(Architecture.UNET, 64, 5).withEncoder(Encoder.VGG16, null, true);
        var conf = Networks.network(five).conf();
        var types = conf.getLayerActivationTypes(org.deeplearning4j.nn.conf.inputs.InputType.convolutional(64, 64, 3));
        assertThat(types.get("output").getShape(false)).containsExactly(5, 64, 64);
        assertThat(types.get("vgg5-pool").getShape(false)).containsExactly(512, 2, 2);
        assertThat(types.get("dec5-conv2").getShape(false)).containsExactly(256, 4, 4);
    }
}
