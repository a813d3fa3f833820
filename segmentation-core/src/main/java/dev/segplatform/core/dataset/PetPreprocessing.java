package dev.segplatform.core.dataset;

import dev.segplatform.core.image.Resize;
import dev.segplatform.core.image.RgbImage;

/**
 * Turns a decoded image and its trimap into a {@link SegmentationDataset.Sample} of size {@code S}:
 * image bilinear, trimap nearest neighbour, trimap values 1 (pet), 2 (background), 3 (border)
 * mapped to classes 0, 1, 2.
 */
public final class PetPreprocessing {

    private PetPreprocessing() {
    }

    /** Class index for a trimap value, or -1 when the value is not 1, 2 or 3. */
    public static int classOfTrimap(int value) {
        return value >= 1 && value <= 3 ? value - 1 : -1;
    }

    /** The image as CHW bytes at {@code size x size}. */
    public static byte[] pixels(RgbImage image, int size) {
        return Resize.bilinearPlanarBytes(image, size, size);
    }

    /**
     * Class mask at {@code size x size} from trimap values (row-major, {@code width * height}).
     *
     * @throws IllegalArgumentException if a value is not 1, 2 or 3
     */
    public static byte[] classes(int[] trimap, int width, int height, int size) {
        byte[] classes = new byte[trimap.length];
        for (int i = 0; i < trimap.length; i++) {
            int c = classOfTrimap(trimap[i]);
            if (c < 0) {
                throw new IllegalArgumentException("trimap value " + trimap[i] + " at (" + (i % width) + ", "
                        + (i / width) + ") is not 1, 2 or 3");
            }
            classes[i] = (byte) c;
        }
        return Resize.nearest(classes, width, height, size, size);
    }

    /** Image and trimap to a sample; the caller has checked that their sizes agree. */
    public static SegmentationDataset.Sample sample(String name, RgbImage image, int[] trimap, int size) {
        return new SegmentationDataset.Sample(name, pixels(image, size),
                classes(trimap, image.width(), image.height(), size));
    }
}
