/**
 * Training data: the synthetic pets generator, the Oxford-IIIT Pet reader, preprocessing into
 * cached in-memory {@link dev.segplatform.core.dataset.SegmentationDataset}s, and the
 * {@link dev.segplatform.core.dataset.SegmentationIterator} that DL4J trains from.
 */
package dev.segplatform.core.dataset;
