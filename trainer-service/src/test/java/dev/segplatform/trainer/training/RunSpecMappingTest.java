package dev.segplatform.trainer.training;

import static org.assertj.core.api.Assertions.assertThat;

import dev.segplatform.core.model.Architecture;
import dev.segplatform.core.model.Encoder;
import dev.segplatform.core.model.ModelLimits;
import dev.segplatform.core.model.ModelSpec;
import dev.segplatform.core.model.Networks;
import dev.segplatform.core.model.SegmentationNetwork;
import dev.segplatform.core.model.Loss;
import dev.segplatform.experiment.api.ClassWeights;
import dev.segplatform.experiment.api.DatasetSpec;
import dev.segplatform.experiment.api.Distributed;
import dev.segplatform.experiment.api.KeepModel;
import dev.segplatform.experiment.api.LossFunction;
import dev.segplatform.experiment.api.DatasetType;
import dev.segplatform.experiment.api.ModelArchitecture;
import dev.segplatform.experiment.api.ModelEncoder;
import dev.segplatform.experiment.api.Optimizer;
import dev.segplatform.experiment.api.RunSpec;
import dev.segplatform.spark.SparkTrainingOptions;
import jakarta.validation.ConstraintViolation;
import jakarta.validation.Validation;
import jakarta.validation.Validator;
import jakarta.validation.ValidatorFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * One run contract: at each limit of the run spec, either the API's own validation (the Bean
 * Validation constraints experiment-service applies) refuses it naming the field, or the trainer's
 * mapping makes a {@link ModelSpec} and the network's graph builds. Never the third case, a run
 * accepted with 201 that fails in the trainer.
 */
class RunSpecMappingTest {

    private static final ValidatorFactory FACTORY = Validation.buildDefaultValidatorFactory();
    private static final Validator VALIDATOR = FACTORY.getValidator();

    @AfterAll
    static void close() {
        FACTORY.close();
    }

    /** Training pixels per class of a small trimap data set: pet, background, border. */
    static final long[] PIXELS = {3000, 6500, 500};
    static final Path EXPORT = Path.of("minibatches");

    static RunSpec spec(ModelArchitecture model) {
        return new RunSpec(model, 1, 2, 0.01, 64, null, null, null, null,
                new DatasetSpec(DatasetType.SYNTHETIC, null, 10, 1L, null), null, null, null, null, null, null, null, null, null,
                null, null);
    }

    /** One field changed, named as the API names it. */
    record Case(String field, String value, UnaryOperator<RunSpec> change) {
        @Override
        public String toString() {
            return field + " = " + value;
        }
    }

    static Case imageSize(int v) {
        return new Case("imageSize", "" + v, s -> new RunSpec(s.model(), s.epochs(), s.batchSize(), s.learningRate(), v,
                s.optimizer(), s.weightDecay(), s.seed(), s.devices(), s.dataset(), s.icnetLossWeights(), s.width(),
                s.augment(), s.earlyStoppingPatience(), s.loss(), s.classWeights(), s.keep(), s.encoder(), s.encoderWeights(),
                s.freezeEncoder(), s.distributed()));
    }

    static Case width(int v) {
        return new Case("width", "" + v, s -> new RunSpec(s.model(), s.epochs(), s.batchSize(), s.learningRate(),
                s.imageSize(), s.optimizer(), s.weightDecay(), s.seed(), s.devices(), s.dataset(), s.icnetLossWeights(), v,
                s.augment(), s.earlyStoppingPatience(), s.loss(), s.classWeights(), s.keep(), s.encoder(), s.encoderWeights(),
                s.freezeEncoder(), s.distributed()));
    }

    static Case learningRate(double v) {
        return new Case("learningRate", "" + v, s -> new RunSpec(s.model(), s.epochs(), s.batchSize(), v, s.imageSize(),
                s.optimizer(), s.weightDecay(), s.seed(), s.devices(), s.dataset(), s.icnetLossWeights(), s.width(),
                s.augment(), s.earlyStoppingPatience(), s.loss(), s.classWeights(), s.keep(), s.encoder(), s.encoderWeights(),
                s.freezeEncoder(), s.distributed()));
    }

    static Case weightDecay(double v, Optimizer optimizer) {
        return new Case("weightDecay", v + " (" + optimizer + ")", s -> new RunSpec(s.model(), s.epochs(), s.batchSize(),
                s.learningRate(), s.imageSize(), optimizer, v, s.seed(), s.devices(), s.dataset(), s.icnetLossWeights(),
                s.width(), s.augment(), s.earlyStoppingPatience(), s.loss(), s.classWeights(), s.keep(), s.encoder(), s.encoderWeights(),
                s.freezeEncoder(), s.distributed()));
    }

    static Case icnetLossWeights(Double... v) {
        return new Case("icnetLossWeights", List.of(v).toString(), s -> new RunSpec(s.model(), s.epochs(), s.batchSize(),
                s.learningRate(), s.imageSize(), s.optimizer(), s.weightDecay(), s.seed(), s.devices(), s.dataset(),
                List.of(v), s.width(), s.augment(), s.earlyStoppingPatience(), s.loss(), s.classWeights(), s.keep(), s.encoder(), s.encoderWeights(),
                s.freezeEncoder(), s.distributed()));
    }

    static Case loss(LossFunction loss, ClassWeights weights) {
        return new Case(weights.values() == null ? "loss" : "classWeights", loss + " " + (weights.method() != null ? weights.method() : weights.values()),
                s -> new RunSpec(s.model(), s.epochs(), s.batchSize(), s.learningRate(), s.imageSize(), s.optimizer(),
                        s.weightDecay(), s.seed(), s.devices(), s.dataset(), s.icnetLossWeights(), s.width(), s.augment(),
                        s.earlyStoppingPatience(), loss, weights, s.keep(), s.encoder(), s.encoderWeights(),
                s.freezeEncoder(), s.distributed()));
    }

    /** The encoder fields; {@code field} is the one a refusal names. */
    static Case encoder(ModelEncoder e, String weights, Boolean freeze, String field) {
        return new Case(field, e + " " + weights + " " + freeze, s -> new RunSpec(s.model(), s.epochs(), s.batchSize(),
                s.learningRate(), s.imageSize(), s.optimizer(), s.weightDecay(), s.seed(), s.devices(), s.dataset(),
                s.icnetLossWeights(), s.width(), s.augment(), s.earlyStoppingPatience(), s.loss(), s.classWeights(),
                s.keep(), e, weights, freeze, s.distributed()));
    }

    static Case distributed(Integer workers, Integer averagingFrequency, Integer devices) {
        return new Case("distributed", workers + " workers, every " + averagingFrequency + ", devices " + devices,
                s -> new RunSpec(s.model(), s.epochs(), s.batchSize(), s.learningRate(), s.imageSize(), s.optimizer(),
                        s.weightDecay(), s.seed(), devices, s.dataset(), s.icnetLossWeights(), s.width(), s.augment(),
                        s.earlyStoppingPatience(), s.loss(), s.classWeights(), s.keep(), s.encoder(), s.encoderWeights(),
                        s.freezeEncoder(),
                        new Distributed(workers, averagingFrequency)));
    }

    static Case classWeights(Double... v) {
        return loss(LossFunction.CROSS_ENTROPY, ClassWeights.of(java.util.Arrays.asList(v)));
    }

    /** Each limit and one step past it, both sides. */
    static List<Case> limits() {
        return List.of(
                imageSize(0), imageSize(16), imageSize(32), imageSize(48), imageSize(1024), imageSize(1056),
                width(0), width(1), width(512), width(513), width(1024),
                learningRate(0), learningRate(-1e-3), learningRate(1e-9), learningRate(10.0), learningRate(10.001),
                weightDecay(-0.1, Optimizer.ADAMW), weightDecay(0, Optimizer.ADAM), weightDecay(1.0, Optimizer.ADAMW),
                weightDecay(1.0, Optimizer.ADAM), weightDecay(1.01, Optimizer.ADAMW),
                icnetLossWeights(0.0, 0.4, 1.0), icnetLossWeights(1e-6, 1e-6, 1e-6), icnetLossWeights(100.0, 100.0, 100.0),
                icnetLossWeights(0.4, 0.4, 100.01), icnetLossWeights(0.4, 1.0), icnetLossWeights(-1.0, 0.4, 1.0),
                loss(LossFunction.DICE, ClassWeights.none()), loss(LossFunction.DICE, ClassWeights.medianFrequency()),
                loss(LossFunction.LOVASZ, ClassWeights.none()), loss(LossFunction.LOVASZ, ClassWeights.medianFrequency()),
                loss(LossFunction.CROSS_ENTROPY, ClassWeights.medianFrequency()),
                classWeights(1e-6, 1.0, 1.0), classWeights(1.0, 1.0, 100.0), classWeights(1.0, 1.0, 100.01),
                classWeights(0.0, 1.0, 1.0), classWeights(-1.0, 1.0, 1.0), classWeights(1.0, null, 1.0),
                classWeights(4.0),
                // A pretrained encoder: unet only ("encoder" also covers "encoderWeights" refusals).
                encoder(ModelEncoder.VGG16, null, null, "encoder"), encoder(ModelEncoder.VGG16, "imagenet", false, "encoder"),
                encoder(ModelEncoder.VGG16, "weights/vgg16.zip", true, "encoder"),
                encoder(ModelEncoder.VGG16, "../vgg16.zip", true, "encoder"),
                encoder(ModelEncoder.VGG16, "x".repeat(ModelLimits.MAX_ENCODER_WEIGHTS_LENGTH), true, "encoder"),
                encoder(ModelEncoder.VGG16, "x".repeat(ModelLimits.MAX_ENCODER_WEIGHTS_LENGTH + 1), true, "encoder"),
                encoder(ModelEncoder.NONE, "imagenet", null, "encoderWeights"), encoder(null, null, true, "freezeEncoder"),
                encoder(ModelEncoder.NONE, null, false, "encoder"),
                distributed(0, null, null), distributed(1, null, null), distributed(64, 1, 1), distributed(65, 4, null),
                distributed(null, 4, null), distributed(2, 0, null), distributed(2, 10_000, null),
                distributed(2, 10_001, null), distributed(2, 4, 2));
    }

    static Stream<Arguments> everyLimitOfEveryArchitecture() {
        List<Arguments> all = new ArrayList<>();
        for (ModelArchitecture model : ModelArchitecture.values()) {
            for (Case c : limits()) {
                all.add(Arguments.of(model, c));
            }
        }
        return all.stream();
    }

    @ParameterizedTest(name = "{0}, {1}")
    @MethodSource("everyLimitOfEveryArchitecture")
    void aSpecAtALimitIsRefusedNamingTheFieldOrBuildsItsNetwork(ModelArchitecture model, Case c) {
        RunSpec run = c.change().apply(spec(model)).withDefaults();
        Set<ConstraintViolation<RunSpec>> violations = VALIDATOR.validate(run);

        if (!violations.isEmpty()) {
            assertThat(violations).allSatisfy(v -> assertThat(v.getPropertyPath().toString()).startsWith(c.field()));
            return;
        }
        ModelSpec modelSpec = RunSpecMapping.modelSpec(run, PIXELS);
        if (run.distributed() != null) {
            SparkTrainingOptions spark = RunSpecMapping.sparkOptions(run, EXPORT).orElseThrow();
            assertThat(spark.workers()).isEqualTo(run.distributed().workers());
            assertThat(spark.averagingFrequency()).isEqualTo(run.distributed().averagingFrequency());
        }
        ComputationGraphConfiguration conf = Networks.network(modelSpec).conf();
        int side = modelSpec.inputSize();
        // The configuration's shapes are worked out for the input size: every layer fits.
        assertThat(conf.getLayerActivationTypes(InputType.convolutional(side, side, 3))).isNotEmpty();
    }

    /** The limits that matter, read the other way: these the API refuses, naming the field. */
    @Test
    void theLimitsThatOnceDisagreedAreRefusedByTheApi() {
        assertThat(fieldsRefused(width(513).change().apply(spec(ModelArchitecture.UNET)))).containsExactly("width");
        assertThat(fieldsRefused(width(1024).change().apply(spec(ModelArchitecture.UNET)))).containsExactly("width");
        assertThat(fieldsRefused(icnetLossWeights(0.0, 0.4, 1.0).change().apply(spec(ModelArchitecture.ICNET))))
                .singleElement().asString().startsWith("icnetLossWeights[0]");
        assertThat(fieldsRefused(imageSize(1056).change().apply(spec(ModelArchitecture.PSPNET))))
                .containsExactly("imageSize");
    }

    private static List<String> fieldsRefused(RunSpec run) {
        return VALIDATOR.validate(run.withDefaults()).stream().map(v -> v.getPropertyPath().toString()).toList();
    }

    /**
     * Spark's workers and ParallelWrapper's devices are two ways to spread one run: together they are
     * refused naming {@code distributed}; bounds name the nested field.
     */
    @Test
    void distributedIsRefusedWithSeveralDevicesAndOutsideItsBounds() {
        RunSpec unet = spec(ModelArchitecture.UNET);
        assertThat(fieldsRefused(distributed(2, 4, 2).change().apply(unet))).containsExactly("distributed");
        assertThat(fieldsRefused(distributed(2, 4, 1).change().apply(unet))).isEmpty();
        RunSpec flipped = new RunSpec(unet.model(), unet.epochs(), unet.batchSize(), unet.learningRate(), unet.imageSize(),
                null, null, null, null, unet.dataset(), null, null, true, null, null, null, null, null, null, null,
                new Distributed(2, null));
        assertThat(fieldsRefused(flipped)).containsExactly("augment");
        assertThat(fieldsRefused(distributed(0, 4, null).change().apply(unet))).containsExactly("distributed.workers");
        assertThat(fieldsRefused(distributed(null, 4, null).change().apply(unet))).containsExactly("distributed.workers");
        assertThat(fieldsRefused(distributed(65, 4, null).change().apply(unet))).containsExactly("distributed.workers");
        assertThat(fieldsRefused(distributed(2, 0, null).change().apply(unet)))
                .containsExactly("distributed.averagingFrequency");
        assertThat(fieldsRefused(distributed(2, 10_001, null).change().apply(unet)))
                .containsExactly("distributed.averagingFrequency");
    }

    @Test
    void distributedMapsToSparkOptionsAndItsAbsenceToNone() {
        assertThat(RunSpecMapping.sparkOptions(spec(ModelArchitecture.UNET), EXPORT)).isEmpty();

        RunSpec run = distributed(3, null, null).change().apply(spec(ModelArchitecture.UNET));
        assertThat(RunSpecMapping.sparkOptions(run, EXPORT)).contains(
                new SparkTrainingOptions(3, Distributed.DEFAULT_AVERAGING_FREQUENCY, EXPORT));
        assertThat(run.withDefaults().distributed()).isEqualTo(new Distributed(3, Distributed.DEFAULT_AVERAGING_FREQUENCY));
    }

    @Test
    void distributedReadsAndWritesAsJsonWithoutExtraProperties() {
        tools.jackson.databind.json.JsonMapper json = tools.jackson.databind.json.JsonMapper.builder().build();
        String base = "{\"model\":\"unet\",\"epochs\":1,\"batchSize\":2,\"learningRate\":0.01,\"imageSize\":64,"
                + "\"dataset\":{\"type\":\"synthetic\",\"count\":10}";
        RunSpec read = json.readValue(base + ",\"distributed\":{\"workers\":2}}", RunSpec.class);
        assertThat(read.distributed()).isEqualTo(new Distributed(2, null));
        String written = json.writeValueAsString(read.withDefaults());
        assertThat(written).contains("\"distributed\":{\"workers\":2,\"averagingFrequency\":4}");
        assertThat(json.readValue(written, RunSpec.class)).isEqualTo(read.withDefaults());
        // Absent stays absent: such a run trains as before.
        RunSpec plain = json.readValue(base + "}", RunSpec.class).withDefaults();
        assertThat(plain.distributed()).isNull();
        tools.jackson.databind.JsonNode absent = json.readTree(json.writeValueAsString(plain)).get("distributed");
        assertThat(absent == null || absent.isNull()).isTrue();
    }

    /** The smallest networks the API accepts initialise and predict a mask of the input's size. */
    @ParameterizedTest
    @EnumSource(ModelArchitecture.class)
    void theSmallestAcceptedNetworkTrainsAStep(ModelArchitecture model) {
        RunSpec run = width(1).change().apply(imageSize(32).change().apply(spec(model))).withDefaults();
        assertThat(VALIDATOR.validate(run)).isEmpty();

        ModelSpec modelSpec = RunSpecMapping.modelSpec(run, PIXELS);
        SegmentationNetwork network = Networks.network(modelSpec);
        ComputationGraph graph = network.init();
        INDArray x = Nd4j.rand(1, 3, 32, 32);
        INDArray[] labels = Stream.of(network.labelDownsample()).flatMapToInt(java.util.Arrays::stream)
                .mapToObj(d -> Nd4j.zeros(1, 3, 32 / d, 32 / d).putScalar(0, 1))
                .toArray(INDArray[]::new);
        graph.fit(new INDArray[] {x}, labels);

        assertThat(Networks.fullResolution(modelSpec, graph.output(false, x)).shape()).containsExactly(1, 3, 32, 32);
        assertThat(graph.score()).isFinite();
    }

    @Test
    void theMappingCarriesEveryFieldAndTheDataSetsClassCount() {
        RunSpec run = new RunSpec(ModelArchitecture.ICNET, 3, 4, 0.05, 96, Optimizer.ADAMW, 0.01, 9L, 1,
                new DatasetSpec(DatasetType.SYNTHETIC, null, 10, 1L, null), List.of(0.2, 0.3, 0.5), 8, null, null,
                LossFunction.DICE, ClassWeights.of(List.of(1.0, 2.0, 3.0, 4.0, 5.0)), KeepModel.LAST, null, null, null, null);

        ModelSpec m = RunSpecMapping.modelSpec(run, new long[] {1, 2, 3, 4, 5});

        assertThat(m).isEqualTo(new ModelSpec(Architecture.ICNET, 96, 5, 8, 9L,
                dev.segplatform.core.model.Optimizer.ADAMW, 0.05, 0.01, List.of(0.2, 0.3, 0.5), Loss.DICE,
                List.of(1.0, 2.0, 3.0, 4.0, 5.0), Encoder.NONE, null, false));
    }

    /** Every loss the API takes reaches the core under the same JSON name, so a spec means the same on both sides. */
    @Test
    void everyLossOfTheApiMapsToTheCoreLossOfTheSameName() throws Exception {
        tools.jackson.databind.json.JsonMapper json = tools.jackson.databind.json.JsonMapper.builder().build();
        for (LossFunction l : LossFunction.values()) {
            String name = LossFunction.class.getField(l.name())
                    .getAnnotation(com.fasterxml.jackson.annotation.JsonProperty.class).value();
            RunSpec run = json.readValue("{\"model\":\"unet\",\"epochs\":1,\"batchSize\":2,\"learningRate\":0.01,"
                    + "\"imageSize\":64,\"dataset\":{\"type\":\"synthetic\",\"count\":10},\"loss\":\"" + name + "\"}",
                    RunSpec.class);
            assertThat(run.loss()).isEqualTo(l);
            Loss mapped = RunSpecMapping.modelSpec(run.withDefaults(), PIXELS).loss();
            assertThat(Loss.class.getField(mapped.name()).getAnnotation(com.fasterxml.jackson.annotation.JsonProperty.class)
                    .value()).as(name).isEqualTo(name);
        }
        assertThat(LossFunction.values()).hasSize(Loss.values().length).contains(LossFunction.LOVASZ);
    }

    @Test
    void theMappingCarriesTheEncoder() {
        RunSpec vgg = encoder(ModelEncoder.VGG16, "models/vgg16.zip", false, "encoder").change()
                .apply(spec(ModelArchitecture.UNET));
        assertThat(VALIDATOR.validate(vgg.withDefaults())).isEmpty();
        ModelSpec m = RunSpecMapping.modelSpec(vgg, PIXELS);
        assertThat(m.encoder()).isEqualTo(Encoder.VGG16);
        assertThat(m.encoderWeights()).isEqualTo("models/vgg16.zip");
        assertThat(m.freezeEncoder()).isFalse();

        // The study's recipe by default: ImageNet weights, frozen.
        RunSpec defaults = encoder(ModelEncoder.VGG16, null, null, "encoder").change().apply(spec(ModelArchitecture.UNET));
        assertThat(defaults.withDefaults().encoderWeights()).isEqualTo(ModelLimits.ENCODER_WEIGHTS_IMAGENET);
        assertThat(defaults.withDefaults().freezeEncoder()).isTrue();
        ModelSpec d = RunSpecMapping.modelSpec(defaults, PIXELS);
        assertThat(d.encoderWeights()).isEqualTo("imagenet");
        assertThat(d.freezeEncoder()).isTrue();

        ModelSpec none = RunSpecMapping.modelSpec(spec(ModelArchitecture.UNET), PIXELS);
        assertThat(none.encoder()).isEqualTo(Encoder.NONE);
        assertThat(none.encoderWeights()).isNull();
        assertThat(none.freezeEncoder()).isFalse();
    }

    /** Each encoder field where it does not fit is refused by the API naming exactly that field. */
    @Test
    void theEncoderFieldsAreRefusedNamingTheField() {
        for (ModelArchitecture other : List.of(ModelArchitecture.PSPNET, ModelArchitecture.ICNET)) {
            assertThat(fieldsRefused(encoder(ModelEncoder.VGG16, null, null, "encoder").change().apply(spec(other))))
                    .containsExactly("encoder");
            assertThat(fieldsRefused(encoder(null, "imagenet", null, "encoderWeights").change().apply(spec(other))))
                    .containsExactly("encoderWeights");
            assertThat(fieldsRefused(encoder(null, null, true, "freezeEncoder").change().apply(spec(other))))
                    .containsExactly("freezeEncoder");
            // Saying "no encoder" in so many words is accepted everywhere.
            assertThat(fieldsRefused(encoder(ModelEncoder.NONE, null, false, "encoder").change().apply(spec(other))))
                    .isEmpty();
        }
        assertThat(fieldsRefused(encoder(ModelEncoder.NONE, "imagenet", null, "encoderWeights").change()
                .apply(spec(ModelArchitecture.UNET)))).containsExactly("encoderWeights");
        assertThat(fieldsRefused(encoder(ModelEncoder.VGG16, "x".repeat(ModelLimits.MAX_ENCODER_WEIGHTS_LENGTH + 1), null,
                "encoderWeights").change().apply(spec(ModelArchitecture.UNET)))).containsExactly("encoderWeights");
        assertThat(fieldsRefused(encoder(ModelEncoder.VGG16, " ", null, "encoderWeights").change()
                .apply(spec(ModelArchitecture.UNET)))).containsExactly("encoderWeights");
        // A path is relative to the trainer's weights root and cannot leave it.
        for (String outside : List.of("/etc/vgg16.zip", "../vgg16.zip", "models/../../vgg16.zip", "models\\vgg16.zip")) {
            assertThat(fieldsRefused(encoder(ModelEncoder.VGG16, outside, null, "encoderWeights").change()
                    .apply(spec(ModelArchitecture.UNET)))).as(outside).containsExactly("encoderWeights");
        }
    }

    @Test
    void medianFrequencyWeightsComeFromTheTrainingPixels() {
        RunSpec run = loss(LossFunction.CROSS_ENTROPY, ClassWeights.medianFrequency()).change()
                .apply(spec(ModelArchitecture.UNET));

        ModelSpec m = RunSpecMapping.modelSpec(run, PIXELS);

        // shares 0.30, 0.65, 0.05: the median class (pet) weighs 1, the border 6
        assertThat(m.classWeights()).hasSize(3);
        assertThat(m.classWeights().get(0)).isCloseTo(1.0, org.assertj.core.api.Assertions.within(1e-12));
        assertThat(m.classWeights().get(1)).isCloseTo(0.30 / 0.65, org.assertj.core.api.Assertions.within(1e-12));
        assertThat(m.classWeights().get(2)).isCloseTo(6.0, org.assertj.core.api.Assertions.within(1e-12));
        assertThat(m.loss()).isEqualTo(Loss.CROSS_ENTROPY);
    }

    /**
     * The one spec the API cannot refuse: explicit weights of another class count than the data
     * set's (the API does not know the data's classes). The mapping refuses it naming the field, so
     * the run fails at its start with that reason, before any training.
     */
    @Test
    void explicitWeightsOfAnotherClassCountFailTheMappingNamingTheField() {
        RunSpec run = classWeights(1.0, 2.0).change().apply(spec(ModelArchitecture.UNET)).withDefaults();
        assertThat(VALIDATOR.validate(run)).isEmpty();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> RunSpecMapping.modelSpec(run, PIXELS))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("classWeights must have one value per class (3)");
    }

    @Test
    void classWeightsReadAsAStringOrAListOfNumbersAndNothingElse() {
        tools.jackson.databind.json.JsonMapper json = tools.jackson.databind.json.JsonMapper.builder().build();
        String base = "{\"model\":\"unet\",\"epochs\":1,\"batchSize\":2,\"learningRate\":0.01,\"imageSize\":64,"
                + "\"dataset\":{\"type\":\"synthetic\",\"count\":10},";
        assertThat(json.readValue(base + "\"classWeights\":\"median-frequency\",\"loss\":\"dice\",\"keep\":\"last\"}",
                RunSpec.class)).satisfies(r -> {
                    assertThat(r.classWeights()).isEqualTo(ClassWeights.medianFrequency());
                    assertThat(r.loss()).isEqualTo(LossFunction.DICE);
                    assertThat(r.keep()).isEqualTo(KeepModel.LAST);
                });
        RunSpec listed = json.readValue(base + "\"classWeights\":[1, 2.5, 7]}", RunSpec.class);
        assertThat(listed.classWeights().values()).containsExactly(1.0, 2.5, 7.0);
        // Written back as it was read, so a stored spec and a run's params show the same form.
        assertThat(json.writeValueAsString(listed.withDefaults())).contains("\"classWeights\":[1.0,2.5,7.0]")
                .contains("\"loss\":\"dice\"").contains("\"keep\":\"best\"");
        assertThat(json.writeValueAsString(spec(ModelArchitecture.UNET).withDefaults())).contains("\"classWeights\":\"none\"");
        for (String bad : List.of("\"inverse\"", "{\"a\":1}", "true", "[1, \"x\"]")) {
            org.assertj.core.api.Assertions.assertThatThrownBy(
                    () -> json.readValue(base + "\"classWeights\":" + bad + "}", RunSpec.class))
                    .as(bad).isInstanceOf(tools.jackson.core.JacksonException.class)
                    .hasMessageContaining("classWeights");
        }
    }

    @Test
    void absentFieldsTakeTheSameDefaultsOnBothSides() {
        ModelSpec m = RunSpecMapping.modelSpec(spec(ModelArchitecture.PSPNET), PIXELS);

        assertThat(m.width()).isEqualTo(Architecture.PSPNET.defaultWidth());
        assertThat(m.optimizer()).isEqualTo(dev.segplatform.core.model.Optimizer.ADAM);
        assertThat(m.seed()).isEqualTo(42L);
        assertThat(m.weightDecay()).isZero();
        assertThat(m.icnetLossWeights()).isEqualTo(RunSpec.DEFAULT_ICNET_LOSS_WEIGHTS)
                .isEqualTo(ModelSpec.DEFAULT_ICNET_LOSS_WEIGHTS);
        // The one default that differs on purpose: a run trains with dice, the measured best, while the
        // core's ModelSpec keeps plain cross-entropy, the loss its PyTorch timings compare.
        assertThat(m.loss()).isEqualTo(Loss.DICE);
        assertThat(ModelSpec.of(Architecture.PSPNET, 64, 3).loss()).isEqualTo(Loss.CROSS_ENTROPY);
        assertThat(m.classWeights()).isNull();
        assertThat(spec(ModelArchitecture.PSPNET).withDefaults().keep()).isEqualTo(KeepModel.BEST);
    }

    @ParameterizedTest
    @EnumSource(ModelArchitecture.class)
    void everyApiArchitectureAndOptimizerHasACoreOne(ModelArchitecture model) {
        for (Optimizer o : Optimizer.values()) {
            RunSpec run = weightDecay(0, o).change().apply(spec(model));
            ModelSpec m = RunSpecMapping.modelSpec(run, PIXELS);
            assertThat(m.architecture().jsonName()).isEqualTo(model.wireName());
            assertThat(m.optimizer().name()).isEqualTo(o.name());
        }
    }
}
