package dev.segplatform.core.train;

import dev.segplatform.core.dataset.SegmentationIterator;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.dataset.api.MultiDataSetPreProcessor;
import org.nd4j.linalg.dataset.api.iterator.MultiDataSetIterator;

/**
 * The rest of one epoch's minibatches, ending early once the listener asks to stop, and reporting
 * progress as batches are handed out. Because stopping is the iterator running dry, it works the
 * same whether the trainer or {@code ParallelWrapper} owns the loop. {@code reset()} does nothing:
 * the trainer picks epochs itself, and DL4J's defensive resets must not skip one.
 */
final class EpochBatches implements MultiDataSetIterator {

    private final SegmentationIterator epoch;
    private final int epochIndex;
    private final int skipped;
    private final long startNanos;
    private final TrainingListener listener;
    private int served;
    private long images;
    private boolean stopped;
    private boolean pendingReport;

    EpochBatches(SegmentationIterator epoch, int epochIndex, int skipped, long startNanos, TrainingListener listener) {
        this.epoch = epoch;
        this.epochIndex = epochIndex;
        this.skipped = skipped;
        this.startNanos = startNanos;
        this.listener = listener;
    }

    int served() {
        return served;
    }

    long images() {
        return images;
    }

    boolean stopped() {
        return stopped;
    }

    /** The trainer's own loop knows each minibatch's loss; the wrapper's does not (NaN then). */
    void reportLoss(double loss) {
        pendingReport = false;
        listener.onIteration(new IterationProgress(epochIndex, skipped + served, epoch.batchesPerEpoch(), loss,
                (System.nanoTime() - startNanos) / 1e9));
    }

    @Override
    public boolean hasNext() {
        if (pendingReport) {
            reportLoss(Double.NaN);
        }
        if (!epoch.hasNext()) {
            return false;
        }
        if (listener.stopRequested()) {
            stopped = true;
            return false;
        }
        return true;
    }

    @Override
    public MultiDataSet next() {
        MultiDataSet batch = epoch.next();
        served++;
        images += batch.getFeatures(0).size(0);
        pendingReport = true;
        return batch;
    }

    @Override
    public MultiDataSet next(int num) {
        return next();
    }

    @Override
    public void setPreProcessor(MultiDataSetPreProcessor preProcessor) {
        epoch.setPreProcessor(preProcessor);
    }

    @Override
    public MultiDataSetPreProcessor getPreProcessor() {
        return epoch.getPreProcessor();
    }

    @Override
    public boolean resetSupported() {
        return true;
    }

    @Override
    public boolean asyncSupported() {
        return false;
    }

    @Override
    public void reset() {
        // Epochs are chosen by the trainer with setEpoch.
    }
}
