package dev.segplatform.core.predict;

import java.util.List;

/**
 * A JSON-ready description of a mask.
 *
 * @param width       mask width in pixels (the original image's)
 * @param height      mask height in pixels
 * @param classNames  class name by class index
 * @param pixelCounts pixels per class index
 * @param fractions   pixelCounts / (width * height)
 * @param rle         run-length encoding of the mask in row-major order as a flat list
 *                    {@code [class, runLength, class, runLength, ...]}; runs continue across row
 *                    ends and the lengths sum to width * height (decode with
 *                    {@link MaskEncoder#decodeRle})
 */
public record MaskSummary(int width, int height, List<String> classNames, long[] pixelCounts, double[] fractions,
                          int[] rle) {
}
