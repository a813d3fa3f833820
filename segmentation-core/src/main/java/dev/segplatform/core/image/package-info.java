/**
 * Image decoding and resizing shared by training data and prediction: any ImageIO-readable input
 * becomes an 8-bit {@link dev.segplatform.core.image.RgbImage} (common PNGs, and PNG and JPEG
 * headers, read without ImageIO, to the same pixels); images are resized bilinearly and class masks
 * by nearest neighbour only.
 */
package dev.segplatform.core.image;
