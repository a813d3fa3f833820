package dev.segplatform.core.dataset;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Small in-memory datasets whose pixels encode their classes, so tests can check alignment. */
final class TestData {

    private TestData() {
    }

    /**
     * {@code n} examples of {@code size x size}: random class masks, red channel = 100 * class,
     * green = column * 255 / (size - 1) (to see flips), blue = example index.
     */
    static SegmentationDataset dataset(int n, int size, long seed) {
        Random r = new Random(seed);
        List<SegmentationDataset.Sample> samples = new ArrayList<>();
        int plane = size * size;
        for (int i = 0; i < n; i++) {
            byte[] mask = new byte[plane];
            byte[] pixels = new byte[3 * plane];
            for (int p = 0; p < plane; p++) {
                mask[p] = (byte) r.nextInt(3);
                pixels[p] = (byte) (100 * mask[p]);
                pixels[plane + p] = (byte) ((p % size) * 255 / (size - 1));
                pixels[2 * plane + p] = (byte) i;
            }
            samples.add(new SegmentationDataset.Sample("pet_" + i, pixels, mask));
        }
        return SegmentationDataset.of(size, samples);
    }
}
