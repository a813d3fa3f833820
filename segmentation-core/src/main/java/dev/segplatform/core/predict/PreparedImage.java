package dev.segplatform.core.predict;

import dev.segplatform.core.image.RgbImage;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A network input {@code [1, 3, S, S]} in [0, 1] and the decoded original it came from, whose size
 * the mask is resized back to and which an overlay is drawn on.
 */
public record PreparedImage(INDArray input, RgbImage original) {

    public int originalWidth() {
        return original.width();
    }

    public int originalHeight() {
        return original.height();
    }
}
