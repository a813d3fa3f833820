package dev.segplatform.inference.batching;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * What the batcher runs: one forward pass over stacked inputs. Only the batcher's worker thread
 * calls it, so implementations need not be thread-safe.
 */
public interface BatchModel {

    /** Outputs {@code [B, ...]} for inputs {@code [B, ...]}, example {@code i} of one for example {@code i} of the other. */
    INDArray forward(INDArray batch);
}
