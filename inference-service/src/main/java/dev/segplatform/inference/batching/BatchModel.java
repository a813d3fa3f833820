package dev.segplatform.inference.batching;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * What the batcher runs: one forward pass over stacked inputs, on one of the model's copies. Only
 * the batcher's worker {@code instance} calls {@code forward(instance, ...)}, so each copy sees one
 * thread at a time.
 */
public interface BatchModel {

    /**
     * Outputs {@code [B, ...]} for inputs {@code [B, ...]}, example {@code i} of one for example {@code i}
     * of the other, computed on copy {@code instance} (0 to the batcher's instances, exclusive).
     */
    INDArray forward(int instance, INDArray batch);

    /**
     * The largest batch worth forming for this model: the batcher forms none larger, whatever its
     * own maximum. A model that gains no images/s past some size only holds its requests longer in
     * a larger batch (see {@code BatchProfile}).
     */
    default int batchLimit() {
        return Integer.MAX_VALUE;
    }
}
