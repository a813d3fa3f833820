package dev.segplatform.core.image;

/** Width and height of an image in pixels. */
public record ImageSize(int width, int height) {

    /** Number of pixels, as a long because a hostile header can claim 65535 x 65535. */
    public long pixels() {
        return (long) width * height;
    }
}
