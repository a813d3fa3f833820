package dev.segplatform.core.dataset;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.NoSuchElementException;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.AsyncMultiDataSetIterator;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.dataset.api.iterator.MultiDataSetIterator;

class SegmentationIteratorTest {

    private final SegmentationDataset data = TestData.dataset(10, 16, 1);

    @Test
    void batchesHaveOneFeatureArrayAndOneLabelArrayPerDownsampleFactor() {
        SegmentationIterator it = new SegmentationIterator(data, 4, 7, true, 1, 4, 8);
        List<Integer> sizes = new ArrayList<>();
        while (it.hasNext()) {
            MultiDataSet batch = it.next();
            int b = (int) batch.getFeatures(0).size(0);
            sizes.add(b);
            assertThat(batch.numFeatureArrays()).isEqualTo(1);
            assertThat(batch.getFeatures(0).shape()).containsExactly(b, 3, 16, 16);
            assertThat(batch.numLabelsArrays()).isEqualTo(3);
            assertThat(batch.getLabels(0).shape()).containsExactly(b, 3, 16, 16);
            assertThat(batch.getLabels(1).shape()).containsExactly(b, 3, 4, 4);
            assertThat(batch.getLabels(2).shape()).containsExactly(b, 3, 2, 2);
            for (INDArray labels : batch.getLabels()) {
                INDArray perPixel = labels.sum(1);
                assertThat(perPixel.minNumber().doubleValue()).isEqualTo(1.0);
                assertThat(perPixel.maxNumber().doubleValue()).isEqualTo(1.0);
            }
        }
        assertThat(sizes).containsExactly(4, 4, 2);
        assertThat(it.batchesPerEpoch()).isEqualTo(3);
        assertThatThrownBy(it::next).isInstanceOf(NoSuchElementException.class);
    }

    @Test
    void eachEpochIsASeededPermutationAndEpochsDiffer() {
        SegmentationIterator a = new SegmentationIterator(data, 3, 42, false);
        SegmentationIterator b = new SegmentationIterator(data, 3, 42, false);
        int[] epoch0 = servedOrder(a);
        assertThat(epoch0).isEqualTo(servedOrder(b));
        assertThat(sorted(epoch0)).isEqualTo(new int[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9});
        a.reset();
        b.reset();
        assertThat(a.epoch()).isEqualTo(1);
        int[] epoch1 = servedOrder(a);
        assertThat(epoch1).isEqualTo(servedOrder(b)).isNotEqualTo(epoch0);
        assertThat(sorted(epoch1)).isEqualTo(sorted(epoch0));
        assertThat(servedOrder(new SegmentationIterator(data, 3, 43, false))).isNotEqualTo(epoch0);
    }

    @Test
    void resetWithoutReadingDoesNotSkipAnEpochAndSetEpochReplaysOne() {
        SegmentationIterator it = new SegmentationIterator(data, 5, 3, true);
        int[] epoch0 = it.epochOrder();
        it.reset();
        it.reset();
        assertThat(it.epoch()).isZero();
        assertThat(it.epochOrder()).isEqualTo(epoch0);
        it.next();
        it.reset();
        it.reset();
        assertThat(it.epoch()).isEqualTo(1);
        int[] epoch1 = it.epochOrder();
        MultiDataSet first = it.next();

        SegmentationIterator resumed = new SegmentationIterator(data, 5, 3, true);
        resumed.setEpoch(1);
        assertThat(resumed.epochOrder()).isEqualTo(epoch1);
        assertThat(resumed.next().getFeatures(0)).isEqualTo(first.getFeatures(0));
    }

    @Test
    void flipAugmentationIsSeededPerEpochAndFlipsSomeExamples() {
        SegmentationIterator plain = SegmentationIterator.builder(data).batchSize(10).seed(5).build();
        SegmentationIterator flipped = SegmentationIterator.builder(data).batchSize(10).seed(5).flip(true).build();
        INDArray p = plain.next().getFeatures(0);
        INDArray f = flipped.next().getFeatures(0);
        int mirrored = 0;
        for (int b = 0; b < 10; b++) {
            // Green encodes the column: 0 at the left edge unless the example was flipped.
            boolean isFlipped = f.getFloat(b, 1, 0, 0) == 1f;
            mirrored += isFlipped ? 1 : 0;
            assertThat(f.getFloat(b, 2, 0, 0)).isEqualTo(p.getFloat(b, 2, 0, 0));
        }
        assertThat(mirrored).isBetween(1, 9);
        SegmentationIterator again = SegmentationIterator.builder(data).batchSize(10).seed(5).flip(true).build();
        assertThat(again.next().getFeatures(0)).isEqualTo(f);
    }

    @Test
    void unshuffledIteratorKeepsDatasetOrder() {
        SegmentationIterator it = SegmentationIterator.builder(data).batchSize(4).shuffle(false).build();
        assertThat(servedOrder(it)).isEqualTo(new int[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9});
        it.reset();
        assertThat(servedOrder(it)).isEqualTo(new int[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9});
    }

    @Test
    void asyncPrefetchServesTheSameBatchesAcrossEpochs() {
        SegmentationIterator sync = SegmentationIterator.builder(data).batchSize(4).seed(9).flip(true)
                .labelDownsample(1, 2).build();
        List<INDArray> expected = new ArrayList<>();
        for (int e = 0; e < 2; e++) {
            while (sync.hasNext()) {
                MultiDataSet m = sync.next();
                expected.add(m.getFeatures(0).dup());
                expected.add(m.getLabels(1).dup());
            }
            sync.reset();
        }
        SegmentationIterator backing = SegmentationIterator.builder(data).batchSize(4).seed(9).flip(true)
                .labelDownsample(1, 2).build();
        assertThat(backing.asyncSupported()).isTrue();
        // With workspaces, as ComputationGraph.fit wraps it.
        AsyncMultiDataSetIterator async = new AsyncMultiDataSetIterator(backing, 2, true);
        try {
            List<INDArray> actual = new ArrayList<>();
            for (int e = 0; e < 2; e++) {
                while (async.hasNext()) {
                    MultiDataSet m = async.next();
                    actual.add(m.getFeatures(0).dup());
                    actual.add(m.getLabels(1).dup());
                }
                async.reset();
            }
            assertThat(actual).hasSameSizeAs(expected);
            for (int i = 0; i < expected.size(); i++) {
                assertThat(actual.get(i)).as("array %d", i).isEqualTo(expected.get(i));
            }
        } finally {
            async.shutdown();
        }
    }

    @Test
    void rejectsFactorsThatDoNotDivideTheImageSize() {
        assertThatThrownBy(() -> new SegmentationIterator(data, 4, 1, false, 3))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("3");
    }

    private static int[] servedOrder(MultiDataSetIterator it) {
        List<Integer> order = new ArrayList<>();
        while (it.hasNext()) {
            INDArray f = it.next().getFeatures(0);
            for (int b = 0; b < f.size(0); b++) {
                order.add(Math.round(f.getFloat(b, 2, 0, 0) * 255));
            }
        }
        return order.stream().mapToInt(Integer::intValue).toArray();
    }

    private static int[] sorted(int[] a) {
        int[] c = a.clone();
        Arrays.sort(c);
        return c;
    }
}
