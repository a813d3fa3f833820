/**
 * Prediction pre- and post-processing, apart from any model: image bytes to a network input
 * ({@link dev.segplatform.core.predict.ImagePreprocessor}), network output to a class mask at the
 * original size ({@link dev.segplatform.core.predict.MaskPostprocessor}), and masks to PNG, JSON
 * summaries with run-length encoding, and overlays ({@link dev.segplatform.core.predict.MaskEncoder}).
 */
package dev.segplatform.core.predict;
