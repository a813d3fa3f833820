package dev.segplatform.core.model.layer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.function.ToDoubleFunction;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.ILossFunction;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;

/**
 * The loss options the networks can train with: class-weighted cross-entropy (DL4J's {@link
 * LossMCXENT} with weights), {@link SoftDiceLoss}, {@link LovaszSoftmaxLoss} and their {@link
 * LossSum}s, each inside {@link PixelMeanLoss} on a {@link PixelSoftmaxLoss} layer. In double
 * precision their gradients match finite differences, of the loss alone (against its own score,
 * with and without a mask) and of a small graph's weights; their configurations survive JSON.
 */
class LossOptionsTest {

    private static final int SIZE = 5;
    private static final int CLASSES = 3;
    private static final double WEIGHT = 0.4;
    /** The rows of {@link #rows} as images of this many pixels, for the per-image Lovász loss. */
    private static final int ROW_IMAGE = 10;

    private static LossMCXENT weightedCrossEntropy() {
        return new LossMCXENT(Nd4j.createFromArray(0.5, 1.0, 7.0).reshape(1, CLASSES));
    }

    private static ILossFunction loss(String name) {
        return switch (name) {
            case "weighted" -> weightedCrossEntropy();
            case "dice" -> new SoftDiceLoss(1.0);
            case "weighted+dice" -> new LossSum(weightedCrossEntropy(), new SoftDiceLoss(1.0));
            case "lovasz" -> new LovaszSoftmaxLoss(ROW_IMAGE);
            case "weighted+lovasz" -> new LossSum(weightedCrossEntropy(), new LovaszSoftmaxLoss(ROW_IMAGE));
            default -> throw new IllegalArgumentException(name);
        };
    }

    /** The same loss for the graph's 5x5 outputs (Lovász groups rows by image, so its size differs). */
    private static ILossFunction graphLoss(String name) {
        return switch (name) {
            case "lovasz" -> new LovaszSoftmaxLoss(SIZE * SIZE);
            case "weighted+lovasz" -> new LossSum(weightedCrossEntropy(), new LovaszSoftmaxLoss(SIZE * SIZE));
            default -> loss(name);
        };
    }

    private static ComputationGraph graph(ILossFunction perPixel) {
        ComputationGraphConfiguration g = DoublePrecision.configuration(4).graphBuilder()
                .addInputs("in")
                .setInputTypes(InputType.convolutional(SIZE, SIZE, 2))
                .addLayer("logits", new ConvolutionLayer.Builder(1, 1).nOut(CLASSES).activation(Activation.IDENTITY).build(), "in")
                .addLayer("out", new PixelSoftmaxLoss(new PixelMeanLoss(perPixel, WEIGHT, SIZE * SIZE)), "logits")
                .setOutputs("out")
                .build();
        ComputationGraph graph = new ComputationGraph(g);
        graph.init();
        return graph;
    }

    /** Rows of logits and one-hot labels, as CnnLossLayer hands them to a loss. */
    private static INDArray[] rows(long seed) {
        Nd4j.getRandom().setSeed(seed);
        INDArray logits = Nd4j.randn(DataType.DOUBLE, 40, CLASSES).muli(2);
        INDArray labels = Nd4j.zeros(DataType.DOUBLE, 40, CLASSES);
        java.util.Random random = new java.util.Random(seed);
        for (int r = 0; r < 40; r++) {
            // The last class rare, as the border is.
            labels.putScalar(r, random.nextInt(10) == 0 ? 2 : random.nextInt(2), 1.0);
        }
        return new INDArray[] {logits, labels};
    }

    /** Central differences of {@code score} at every entry of {@code x}. */
    private static INDArray numericGradient(INDArray x, ToDoubleFunction<INDArray> score) {
        double h = 1e-6;
        INDArray g = x.ulike();
        for (long i = 0; i < x.length(); i++) {
            double v = x.getDouble(i);
            x.putScalar(i, v + h);
            double plus = score.applyAsDouble(x);
            x.putScalar(i, v - h);
            double minus = score.applyAsDouble(x);
            x.putScalar(i, v);
            g.putScalar(i, (plus - minus) / (2 * h));
        }
        return g;
    }

    @ParameterizedTest
    @ValueSource(strings = {"weighted", "dice", "weighted+dice", "lovasz", "weighted+lovasz"})
    void theLossGradientIsTheDerivativeOfItsScore(String name) {
        DoublePrecision.run(() -> {
            ILossFunction loss = loss(name);
            INDArray[] r = rows(7);
            assertThat(smallestGapBetweenErrors(r[1], r[0])).as("no ties in the sorted errors").isGreaterThan(1e-4);
            INDArray rowMask = Nd4j.ones(DataType.DOUBLE, 40, 1);
            for (int i = 0; i < 40; i += 3) {
                rowMask.putScalar(i, 0, 0.0);
            }
            // Per row and class: the rare class left out of a few rows, as an ignore label would.
            INDArray classMask = Nd4j.ones(DataType.DOUBLE, 40, CLASSES);
            for (int i = 0; i < 39; i += 3) {
                classMask.putScalar(i, 0, 0.0);
                classMask.putScalar(i + 1, 2, 0.0);
            }
            // (LossMCXENT's gradient under a per-class mask is not its masked score's, so only Lovász alone.)
            INDArray[] masks = name.equals("lovasz") ? new INDArray[] {null, rowMask, classMask}
                    : new INDArray[] {null, rowMask};
            for (INDArray mask : masks) {
                INDArray analytic = loss.computeGradient(r[1], r[0].dup(), new ActivationSoftmax(), mask);
                INDArray numeric = numericGradient(r[0].dup(),
                        x -> loss.computeScore(r[1], x.dup(), new ActivationSoftmax(), mask, false));
                assertThat(analytic.amaxNumber().doubleValue()).as("a gradient to check").isGreaterThan(1e-3);
                assertThat(analytic.sub(numeric).amaxNumber().doubleValue())
                        .as(name + (mask == null ? "" : mask == rowMask ? " row-masked" : " class-masked")).isLessThan(1e-6 * Math.max(1, numeric.amaxNumber().doubleValue()));
                if (mask == rowMask) {
                    assertThat(analytic.getRow(0).amaxNumber().doubleValue()).as("a masked row has no gradient").isZero();
                }
            }
            return null;
        });
    }

    @ParameterizedTest
    @ValueSource(strings = {"weighted", "dice", "weighted+dice", "lovasz", "weighted+lovasz"})
    void graphGradientsMatchFiniteDifferences(String name) {
        DoublePrecision.run(() -> {
            Nd4j.getRandom().setSeed(12);
            INDArray x = Nd4j.randn(DataType.DOUBLE, 3, 2, SIZE, SIZE).muli(3);
            INDArray labels = ResampleLayersTest.oneHot(3, CLASSES, SIZE, SIZE, 8);
            assertThat(DoublePrecision.gradientsMatchFiniteDifferences(graph(graphLoss(name)), x, labels)).isTrue();
            return null;
        });
    }

    /**
     * The weighted cross-entropy takes {@link PixelSoftmaxLoss}'s one-pass path in float: its score
     * and gradients are those of DL4J's {@code CnnLossLayer} with the same loss.
     */
    @Test
    void theOnePassWeightedCrossEntropyComputesWhatDl4jComputes() {
        ComputationGraph[] graphs = new ComputationGraph[2];
        for (int k = 0; k < 2; k++) {
            PixelMeanLoss loss = new PixelMeanLoss(new LossMCXENT(Nd4j.createFromArray(0.5f, 1.0f, 7.0f).reshape(1, CLASSES)),
                    WEIGHT, SIZE * SIZE);
            org.deeplearning4j.nn.conf.layers.Layer out = k == 0 ? new PixelSoftmaxLoss(loss)
                    : new org.deeplearning4j.nn.conf.layers.CnnLossLayer.Builder(loss).activation(Activation.SOFTMAX).build();
            ComputationGraph g = new ComputationGraph(new org.deeplearning4j.nn.conf.NeuralNetConfiguration.Builder().seed(4)
                    .dataType(DataType.FLOAT).updater(new org.nd4j.linalg.learning.config.Sgd(0.1))
                    .weightInit(org.deeplearning4j.nn.weights.WeightInit.XAVIER).graphBuilder()
                    .addInputs("in").setInputTypes(InputType.convolutional(SIZE, SIZE, 2))
                    .addLayer("logits", new ConvolutionLayer.Builder(1, 1).nOut(CLASSES).activation(Activation.IDENTITY).build(), "in")
                    .addLayer("out", out, "logits").setOutputs("out").build());
            g.init();
            graphs[k] = g;
        }
        Nd4j.getRandom().setSeed(12);
        INDArray x = Nd4j.randn(DataType.FLOAT, 3, 2, SIZE, SIZE).muli(3);
        INDArray labels = ResampleLayersTest.oneHot(3, CLASSES, SIZE, SIZE, 8).castTo(DataType.FLOAT);
        var expected = GraphChecks.gradient(graphs[1], x, labels);
        var actual = GraphChecks.gradient(graphs[0], x, labels);
        assertThat(graphs[0].score()).isCloseTo(graphs[1].score(), within(1e-5 * graphs[1].score()));
        for (String name : expected.gradientForVariable().keySet()) {
            INDArray e = expected.getGradientFor(name);
            assertThat(e.amaxNumber().doubleValue()).isGreaterThan(1e-4);
            assertThat(actual.getGradientFor(name).sub(e).amaxNumber().doubleValue())
                    .as(name).isLessThan(1e-5 * Math.max(1, e.amaxNumber().doubleValue()));
        }
    }

    @Test
    void classWeightsScaleEachPixelsCrossEntropyByItsTrueClass() {
        DoublePrecision.run(() -> {
            INDArray[] r = rows(3);
            double plain = new LossMCXENT().computeScore(r[1], r[0].dup(), new ActivationSoftmax(), null, false);
            double weighted = weightedCrossEntropy().computeScore(r[1], r[0].dup(), new ActivationSoftmax(), null, false);
            INDArray perRow = new LossMCXENT().computeScoreArray(r[1], r[0].dup(), new ActivationSoftmax(), null);
            double expected = 0;
            double[] w = {0.5, 1.0, 7.0};
            for (int i = 0; i < 40; i++) {
                expected += w[r[1].getRow(i).argMax().getInt(0)] * perRow.getDouble(i);
            }
            assertThat(weighted).isCloseTo(expected, within(1e-9 * expected)).isNotCloseTo(plain, within(0.01 * plain));
            return null;
        });
    }

    @Test
    void diceIsZeroForAPerfectPredictionAndNearOneForAWrongOne() {
        DoublePrecision.run(() -> {
            INDArray labels = rows(5)[1];
            SoftDiceLoss dice = new SoftDiceLoss(1e-6);
            double perfect = dice.computeScore(labels, labels.mul(60), new ActivationSoftmax(), null, true);
            double wrong = dice.computeScore(labels, labels.rsub(1).mul(60), new ActivationSoftmax(), null, true);
            assertThat(perfect).isCloseTo(0, within(1e-6));
            assertThat(wrong).isCloseTo(1, within(1e-6));
            // Summed over rows, as CnnLossLayer sums, the score is rows times the loss.
            assertThat(dice.computeScore(labels, labels.mul(60), new ActivationSoftmax(), null, false))
                    .isCloseTo(40 * perfect, within(1e-6));
            return null;
        });
    }

    /**
     * The smallest difference between two of one class's errors ({@code 1 - p} on its pixels, {@code
     * p} elsewhere) within one {@link #ROW_IMAGE}-row image: the Lovász loss is piecewise linear with
     * kinks where the sorted order changes, so finite differences only check it away from ties.
     */
    private static double smallestGapBetweenErrors(INDArray labels, INDArray logits) {
        INDArray p = new ActivationSoftmax().getActivation(logits.dup(), false);
        double smallest = Double.POSITIVE_INFINITY;
        for (int first = 0; first < labels.size(0); first += ROW_IMAGE) {
            for (int c = 0; c < CLASSES; c++) {
                double[] errors = new double[ROW_IMAGE];
                for (int i = 0; i < ROW_IMAGE; i++) {
                    double pc = p.getDouble(first + i, c);
                    errors[i] = labels.getDouble(first + i, c) == 1 ? 1 - pc : pc;
                }
                java.util.Arrays.sort(errors);
                for (int i = 1; i < ROW_IMAGE; i++) {
                    smallest = Math.min(smallest, errors[i] - errors[i - 1]);
                }
            }
        }
        return smallest;
    }

    /**
     * At hard predictions the errors are 0 or 1, where the Lovász extension equals the Jaccard loss
     * itself: each image's loss is the mean over the classes its labels contain of {@code 1 - IoU},
     * counted here from the predicted and true classes.
     */
    @Test
    void lovaszOfHardPredictionsIsOneMinusIouPerImageOverPresentClasses() {
        DoublePrecision.run(() -> {
            INDArray labels = rows(5)[1];
            INDArray logits = rows(9)[0];
            INDArray hard = Nd4j.zeros(DataType.DOUBLE, 40, CLASSES);
            for (int i = 0; i < 40; i++) {
                hard.putScalar(i, logits.getRow(i).argMax().getInt(0), 80.0);
            }
            double expectedSum = 0;
            boolean someImageLacksAClass = false;
            for (int first = 0; first < 40; first += ROW_IMAGE) {
                double lossSum = 0;
                int present = 0;
                for (int c = 0; c < CLASSES; c++) {
                    int truth = 0;
                    int both = 0;
                    int either = 0;
                    for (int i = first; i < first + ROW_IMAGE; i++) {
                        boolean t = labels.getDouble(i, c) == 1;
                        boolean predicted = hard.getDouble(i, c) > 0;
                        truth += t ? 1 : 0;
                        both += t && predicted ? 1 : 0;
                        either += t || predicted ? 1 : 0;
                    }
                    if (truth > 0) {
                        present++;
                        lossSum += 1 - (double) both / either;
                    }
                }
                someImageLacksAClass |= present < CLASSES;
                expectedSum += lossSum / present;
            }
            assertThat(someImageLacksAClass).as("an image without the rare class, to test 'present'").isTrue();
            LovaszSoftmaxLoss lovasz = new LovaszSoftmaxLoss(ROW_IMAGE);
            double score = lovasz.computeScore(labels, hard, new ActivationSoftmax(), null, false);
            assertThat(expectedSum).isGreaterThan(0.5);
            assertThat(score).isCloseTo(ROW_IMAGE * expectedSum, within(1e-9));
            assertThat(lovasz.computeScore(labels, hard, new ActivationSoftmax(), null, true))
                    .isCloseTo(expectedSum / 4, within(1e-9));
            assertThat(lovasz.computeScoreArray(labels, hard, new ActivationSoftmax(), null).sumNumber().doubleValue())
                    .isCloseTo(score, within(1e-9));
            assertThat(lovasz.computeScore(labels, labels.mul(80), new ActivationSoftmax(), null, false))
                    .as("a perfect prediction").isCloseTo(0, within(1e-9));
            return null;
        });
    }

    /**
     * The Lovász loss groups a batch's rows by image as {@code CnnLossLayer} lays NCHW out: a graph's
     * score on three images is the mean of its scores on each alone (a grouping across images
     * would mix their pixels and break this), and it is not the loss of the three pooled as one set
     * (where the first image's only class would share its IoU with the others).
     */
    @Test
    void lovaszInAGraphIsTheMeanOfEachImagesLoss() {
        DoublePrecision.run(() -> {
            ComputationGraph graph = graph(new LovaszSoftmaxLoss(SIZE * SIZE));
            Nd4j.getRandom().setSeed(21);
            INDArray x = Nd4j.randn(DataType.DOUBLE, 3, 2, SIZE, SIZE).muli(3);
            INDArray labels = ResampleLayersTest.oneHot(3, CLASSES, SIZE, SIZE, 4);
            // The first image all background: one present class there, three in the others.
            labels.get(org.nd4j.linalg.indexing.NDArrayIndex.point(0)).assign(0)
                    .get(org.nd4j.linalg.indexing.NDArrayIndex.point(0)).assign(1);
            double together = graph.score(new org.nd4j.linalg.dataset.DataSet(x, labels));
            double alone = 0;
            for (int n = 0; n < 3; n++) {
                alone += graph.score(new org.nd4j.linalg.dataset.DataSet(x.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(n, n + 1)).dup(),
                        labels.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(n, n + 1)).dup())) / 3;
            }
            ComputationGraph pooled = graph(new LovaszSoftmaxLoss(3L * SIZE * SIZE));
            double asOneSet = pooled.score(new org.nd4j.linalg.dataset.DataSet(x, labels));
            assertThat(together).isGreaterThan(0.1).isCloseTo(alone, within(1e-9));
            assertThat(asOneSet).isNotCloseTo(together, within(1e-3));
            return null;
        });
    }

    @ParameterizedTest
    @ValueSource(strings = {"weighted", "dice", "weighted+dice", "lovasz", "weighted+lovasz"})
    void survivesJson(String name) {
        ComputationGraphConfiguration conf = graph(graphLoss(name)).getConfiguration();
        ComputationGraphConfiguration restored = ComputationGraphConfiguration.fromJson(conf.toJson());
        assertThat(restored).isEqualTo(conf);
        assertThat(restored).isNotEqualTo(graph(new LossMCXENT()).getConfiguration());
    }
}
