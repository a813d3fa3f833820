package dev.segplatform.core.model.layer;

import dev.segplatform.core.model.kernel.Resampling;

/**
 * Bilinear resize of an NCHW activation to a fixed size ({@code align_corners=False}), with a
 * backward pass. Used to bring PSPNet's pyramid bins and logits, and ICNet's coarse maps, to the
 * size of the map they meet.
 */
public class BilinearResize2D extends SeparableResampleLayer {

    /** For Jackson. */
    protected BilinearResize2D() {
    }

    public BilinearResize2D(int outHeight, int outWidth) {
        super(outHeight, outWidth);
    }

    @Override
    protected double[][] axisWeights(int in, int out) {
        return Resampling.bilinearWeights(in, out);
    }
}
