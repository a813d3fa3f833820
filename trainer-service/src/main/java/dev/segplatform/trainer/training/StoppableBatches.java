package dev.segplatform.trainer.training;

import java.util.function.BooleanSupplier;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.dataset.api.MultiDataSetPreProcessor;
import org.nd4j.linalg.dataset.api.iterator.MultiDataSetIterator;

/**
 * One epoch of batches that ends early when asked to stop, and counts what it handed out. This is
 * how training stops within one iteration even under {@code ParallelWrapper}, which owns the batch
 * loop: the wrapper simply sees the epoch end. {@code reset()} does nothing because the trainer
 * chooses epochs itself.
 */
final class StoppableBatches implements MultiDataSetIterator {

    private final MultiDataSetIterator epoch;
    private final BooleanSupplier stop;
    private final Runnable onBatch;
    private int served;

    StoppableBatches(MultiDataSetIterator epoch, BooleanSupplier stop, Runnable onBatch) {
        this.epoch = epoch;
        this.stop = stop;
        this.onBatch = onBatch;
    }

    int served() {
        return served;
    }

    @Override
    public boolean hasNext() {
        return !stop.getAsBoolean() && epoch.hasNext();
    }

    @Override
    public MultiDataSet next() {
        MultiDataSet batch = epoch.next();
        served++;
        onBatch.run();
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
        // Epochs are chosen by the trainer with setEpoch; a defensive reset must not skip one.
    }
}
