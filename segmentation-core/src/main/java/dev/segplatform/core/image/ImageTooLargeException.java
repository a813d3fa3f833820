package dev.segplatform.core.image;

import java.io.IOException;

/** The image header announces more pixels than the caller allows; nothing was decoded. */
public class ImageTooLargeException extends IOException {

    private final ImageSize size;
    private final long maxPixels;

    public ImageTooLargeException(ImageSize size, long maxPixels) {
        super("image is " + size.width() + "x" + size.height() + " = " + size.pixels()
                + " pixels, more than the allowed " + maxPixels);
        this.size = size;
        this.maxPixels = maxPixels;
    }

    public ImageSize size() {
        return size;
    }

    public long maxPixels() {
        return maxPixels;
    }
}
