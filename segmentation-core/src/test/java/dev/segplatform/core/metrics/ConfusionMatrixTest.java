package dev.segplatform.core.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class ConfusionMatrixTest {

    // truth 0 0 0 1 1 2 / predicted 0 0 1 1 2 2:
    //            pred 0  1  2
    //   truth 0 [   2  1  0 ]   IoU0 = 2 / (3 + 2 - 2) = 2/3
    //   truth 1 [   0  1  1 ]   IoU1 = 1 / (2 + 2 - 1) = 1/3
    //   truth 2 [   0  0  1 ]   IoU2 = 1 / (1 + 2 - 1) = 1/2
    private static final int[] TRUTH = {0, 0, 0, 1, 1, 2};
    private static final int[] PRED = {0, 0, 1, 1, 2, 2};

    @Test
    void handComputedExample() {
        ConfusionMatrix m = new ConfusionMatrix(3).add(TRUTH, PRED);
        assertThat(m.counts()).isEqualTo(new long[][] {{2, 1, 0}, {0, 1, 1}, {0, 0, 1}});
        assertThat(m.total()).isEqualTo(6);
        assertThat(m.pixelAccuracy()).isCloseTo(4.0 / 6, within(1e-12));
        assertThat(m.perClassIou()).containsExactly(new double[] {2.0 / 3, 1.0 / 3, 0.5}, within(1e-12));
        assertThat(m.meanIou()).isCloseTo(0.5, within(1e-12));
    }

    @Test
    void classAbsentFromTruthAndPredictionIsLeftOutOfTheMean() {
        ConfusionMatrix m = new ConfusionMatrix(4).add(TRUTH, PRED);
        assertThat(m.iou(3)).isNaN();
        assertThat(m.meanIou()).isCloseTo(0.5, within(1e-12));
    }

    @Test
    void classPredictedButNeverTrueCountsAsZero() {
        // truth 0 0 1 1 / predicted 0 2 1 1: IoU0 = 1/2, IoU1 = 1, IoU2 = 0 / 1 = 0.
        ConfusionMatrix m = new ConfusionMatrix(3).add(new int[] {0, 0, 1, 1}, new int[] {0, 2, 1, 1});
        assertThat(m.iou(2)).isZero();
        assertThat(m.meanIou()).isCloseTo(0.5, within(1e-12));
    }

    @Test
    void emptyMatrixHasNoMetrics() {
        ConfusionMatrix m = new ConfusionMatrix(3);
        assertThat(m.pixelAccuracy()).isNaN();
        assertThat(m.meanIou()).isNaN();
    }

    @Test
    void majorityBaselinePredictsTheMostFrequentTrueClass() {
        ConfusionMatrix baseline = new ConfusionMatrix(3).add(TRUTH, PRED).majorityBaseline();
        // Always class 0: accuracy 3/6; IoU0 = 3/6, IoU1 = IoU2 = 0.
        assertThat(baseline.counts()).isEqualTo(new long[][] {{3, 0, 0}, {2, 0, 0}, {1, 0, 0}});
        assertThat(baseline.pixelAccuracy()).isCloseTo(0.5, within(1e-12));
        assertThat(baseline.meanIou()).isCloseTo(1.0 / 6, within(1e-12));
    }

    @Test
    void mergeAddsCounts() {
        ConfusionMatrix a = new ConfusionMatrix(3).add(TRUTH, PRED);
        ConfusionMatrix b = new ConfusionMatrix(3).add(new int[] {2, 2}, new int[] {2, 0});
        ConfusionMatrix sum = a.merge(b);
        assertThat(sum.counts()).isEqualTo(new long[][] {{2, 1, 0}, {0, 1, 1}, {1, 0, 2}});
        assertThat(a.total()).isEqualTo(6);
        assertThat(sum.merge(new ConfusionMatrix(3)).counts()).isEqualTo(sum.counts());
        assertThatThrownBy(() -> a.merge(new ConfusionMatrix(2))).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void arraysTakeTheArgmaxOverChannels() {
        // One image of 2 x 3 pixels holding the same six pixels as TRUTH / PRED, row-major.
        INDArray labels = Nd4j.zeros(1, 3, 2, 3);
        INDArray probs = Nd4j.zeros(1, 3, 2, 3);
        for (int i = 0; i < 6; i++) {
            labels.putScalar(new long[] {0, TRUTH[i], i / 3, i % 3}, 1);
            for (int c = 0; c < 3; c++) {
                probs.putScalar(new long[] {0, c, i / 3, i % 3}, c == PRED[i] ? 0.6 : 0.2);
            }
        }
        ConfusionMatrix fromArrays = new ConfusionMatrix(3).add(labels, probs);
        assertThat(fromArrays.counts()).isEqualTo(new ConfusionMatrix(3).add(TRUTH, PRED).counts());
        // A view (the second of two stacked batches) must count only its own pixels.
        INDArray stackedLabels = Nd4j.concat(0, Nd4j.zeros(1, 3, 2, 3).addi(1.0 / 3), labels);
        INDArray stackedProbs = Nd4j.concat(0, probs, probs);
        INDArray view = stackedLabels.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(1, 2));
        INDArray viewProbs = stackedProbs.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(1, 2));
        assertThat(new ConfusionMatrix(3).add(view, viewProbs).counts()).isEqualTo(fromArrays.counts());
        assertThatThrownBy(() -> new ConfusionMatrix(3).add(labels, Nd4j.zeros(1, 3, 3, 2)))
                .hasMessageContaining("shape");
    }
}
