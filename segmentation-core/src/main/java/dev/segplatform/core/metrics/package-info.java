/** Segmentation metrics: a pixel confusion matrix with accuracy, per-class and mean IoU, and baselines. */
package dev.segplatform.core.metrics;
