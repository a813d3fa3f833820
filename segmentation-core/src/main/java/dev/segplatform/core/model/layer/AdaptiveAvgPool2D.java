package dev.segplatform.core.model.layer;

import dev.segplatform.core.model.kernel.Resampling;

/**
 * Adaptive average pooling of an NCHW activation to {@code outHeight x outWidth} bins, as
 * PyTorch's {@code AdaptiveAvgPool2d}: PSPNet's pyramid pooling uses it for its 1, 2, 3 and 6 bins
 * whatever the feature map size.
 */
public class AdaptiveAvgPool2D extends SeparableResampleLayer {

    /** For Jackson. */
    protected AdaptiveAvgPool2D() {
    }

    public AdaptiveAvgPool2D(int outHeight, int outWidth) {
        super(outHeight, outWidth);
    }

    @Override
    protected double[][] axisWeights(int in, int out) {
        return Resampling.adaptiveAverageWeights(in, out);
    }
}
