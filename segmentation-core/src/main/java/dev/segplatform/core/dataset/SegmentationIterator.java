package dev.segplatform.core.dataset;

import java.util.Arrays;
import java.util.NoSuchElementException;
import java.util.Random;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.dataset.api.MultiDataSetPreProcessor;
import org.nd4j.linalg.dataset.api.iterator.MultiDataSetIterator;

/**
 * Batches of a {@link SegmentationDataset} for a DL4J {@code ComputationGraph}: one feature array
 * {@code [B, 3, S, S]} and one one-hot label array {@code [B, C, S/d, S/d]} per entry {@code d} of
 * {@code labelDownsample} ({@code {1}} for U-Net and PSPNet; e.g. {@code {16, 8, 4}} for ICNet's
 * cascade outputs, in the order of the graph's outputs). The last batch of an epoch may be smaller.
 *
 * <p>Epochs are reproducible: epoch {@code e} shuffles (and picks flips) with {@code seed + e}, so a
 * resumed run can {@link #setEpoch} and see the same batches it would have seen. {@link #reset()}
 * moves to the next epoch, but only once something was read since the last reset: DL4J's
 * {@code fit} and {@code AsyncMultiDataSetIterator} both reset defensively, and a double reset must
 * not skip an epoch.
 *
 * <p>Batches are copied out of the dataset's cached arrays, so nothing is decoded here and
 * {@link #asyncSupported()} lets DL4J prefetch them on another thread.
 */
public final class SegmentationIterator implements MultiDataSetIterator {

    private final SegmentationDataset data;
    private final int batchSize;
    private final long seed;
    private final boolean shuffle;
    private final boolean flip;
    private final int[] labelDownsample;
    private MultiDataSetPreProcessor preProcessor;

    private int epoch;
    private int cursor;
    private int[] order;
    private boolean[] flips;

    /** Settings for a {@link SegmentationIterator}; defaults: batch 16, seed 42, shuffle, no flip, labels {1}. */
    public static final class Builder {
        private final SegmentationDataset data;
        private int batchSize = 16;
        private long seed = 42;
        private boolean shuffle = true;
        private boolean flip;
        private int[] labelDownsample = {1};

        private Builder(SegmentationDataset data) {
            this.data = data;
        }

        public Builder batchSize(int batchSize) {
            this.batchSize = batchSize;
            return this;
        }

        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /** Shuffle every epoch (training); off keeps dataset order (validation). */
        public Builder shuffle(boolean shuffle) {
            this.shuffle = shuffle;
            return this;
        }

        /** Flip each example horizontally with probability 1/2, chosen per epoch. */
        public Builder flip(boolean flip) {
            this.flip = flip;
            return this;
        }

        /** One label array per factor, in this order; each factor must divide the image size. */
        public Builder labelDownsample(int... factors) {
            this.labelDownsample = factors.clone();
            return this;
        }

        public SegmentationIterator build() {
            return new SegmentationIterator(data, batchSize, seed, shuffle, flip, labelDownsample);
        }
    }

    public static Builder builder(SegmentationDataset data) {
        return new Builder(data);
    }

    /** A shuffling iterator with one label array per {@code labelDownsample} factor (none = {1}). */
    public SegmentationIterator(SegmentationDataset data, int batchSize, long seed, boolean flip,
                                int... labelDownsample) {
        this(data, batchSize, seed, true, flip, labelDownsample.length == 0 ? new int[] {1} : labelDownsample);
    }

    private SegmentationIterator(SegmentationDataset data, int batchSize, long seed, boolean shuffle, boolean flip,
                                 int[] labelDownsample) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize must be positive, got " + batchSize);
        }
        if (labelDownsample.length == 0) {
            throw new IllegalArgumentException("at least one label array is needed");
        }
        for (int d : labelDownsample) {
            if (d < 1 || data.imageSize() % d != 0) {
                throw new IllegalArgumentException(
                        "label downsample " + d + " does not divide the image size " + data.imageSize());
            }
        }
        this.data = data;
        this.batchSize = batchSize;
        this.seed = seed;
        this.shuffle = shuffle;
        this.flip = flip;
        this.labelDownsample = labelDownsample.clone();
        startEpoch(0);
    }

    /** The epoch the next batch belongs to, counting from 0. */
    public int epoch() {
        return epoch;
    }

    /** Restarts at the beginning of epoch {@code e} (e.g. when resuming from a checkpoint). */
    public void setEpoch(int e) {
        if (e < 0) {
            throw new IllegalArgumentException("epoch must be >= 0, got " + e);
        }
        startEpoch(e);
    }

    /** Batches per epoch, the last one possibly smaller. */
    public int batchesPerEpoch() {
        return (data.size() + batchSize - 1) / batchSize;
    }

    public int batchSize() {
        return batchSize;
    }

    public int[] labelDownsample() {
        return labelDownsample.clone();
    }

    public SegmentationDataset dataset() {
        return data;
    }

    /** Example indices in the order this epoch serves them. */
    public int[] epochOrder() {
        return order.clone();
    }

    private void startEpoch(int e) {
        epoch = e;
        cursor = 0;
        order = new int[data.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Random r = new Random(seed + e);
        if (shuffle) {
            for (int i = order.length - 1; i > 0; i--) {
                int j = r.nextInt(i + 1);
                int t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
        }
        flips = new boolean[order.length];
        if (flip) {
            for (int i = 0; i < flips.length; i++) {
                flips[i] = r.nextBoolean();
            }
        }
    }

    @Override
    public boolean hasNext() {
        return cursor < order.length;
    }

    @Override
    public MultiDataSet next() {
        return next(batchSize);
    }

    @Override
    public MultiDataSet next(int num) {
        if (!hasNext()) {
            throw new NoSuchElementException("epoch " + epoch + " is exhausted; call reset()");
        }
        int end = Math.min(order.length, cursor + num);
        int[] idx = Arrays.copyOfRange(order, cursor, end);
        boolean[] f = Arrays.copyOfRange(flips, cursor, end);
        cursor = end;
        INDArray features = data.features(idx, f);
        INDArray[] labels = new INDArray[labelDownsample.length];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = data.labels(idx, f, labelDownsample[i], data.numClasses());
        }
        MultiDataSet batch = new org.nd4j.linalg.dataset.MultiDataSet(new INDArray[] {features}, labels);
        if (preProcessor != null) {
            preProcessor.preProcess(batch);
        }
        return batch;
    }

    @Override
    public void setPreProcessor(MultiDataSetPreProcessor preProcessor) {
        this.preProcessor = preProcessor;
    }

    @Override
    public MultiDataSetPreProcessor getPreProcessor() {
        return preProcessor;
    }

    @Override
    public boolean resetSupported() {
        return true;
    }

    @Override
    public boolean asyncSupported() {
        return true;
    }

    /** Starts the next epoch if anything was read from this one; otherwise does nothing. */
    @Override
    public void reset() {
        if (cursor > 0) {
            startEpoch(epoch + 1);
        }
    }
}
