package dev.segplatform.core.dataset;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.segplatform.core.image.Resize;
import dev.segplatform.core.image.RgbImage;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

class SegmentationDatasetTest {

    @Test
    void nearestResizeOfAMaskOnlyProducesValuesItHad() {
        Random r = new Random(1);
        byte[] mask = new byte[37 * 23];
        for (int i = 0; i < mask.length; i++) {
            mask[i] = (byte) (r.nextBoolean() ? 0 : 2);
        }
        for (int size : new int[] {8, 16, 50, 64}) {
            Set<Byte> values = new TreeSet<>();
            for (byte b : Resize.nearest(mask, 37, 23, size, size)) {
                values.add(b);
            }
            assertThat(values).containsExactly((byte) 0, (byte) 2);
        }
    }

    @Test
    void trimapValuesMapToClassesAndStrayValuesAreRejected() {
        int[] trimap = {1, 2, 3, 3, 2, 1};
        byte[] classes = PetPreprocessing.classes(trimap, 3, 2, 3);
        // Rows of the 3x3 output sample source rows floor((y + 0.5) * 2 / 3) = 0, 1, 1.
        assertThat(classes).containsExactly(0, 1, 2, 2, 1, 0, 2, 1, 0);
        assertThatThrownBy(() -> PetPreprocessing.classes(new int[] {1, 0, 2, 3}, 2, 2, 2))
                .hasMessageContaining("trimap value 0");
    }

    @Test
    void theImageIsTheFeaturesUndoneFromTheirScaling() {
        Random r = new Random(3);
        int size = 6;
        java.util.List<SegmentationDataset.Sample> samples = new java.util.ArrayList<>();
        for (int n = 0; n < 2; n++) {
            byte[] pixels = new byte[3 * size * size];
            r.nextBytes(pixels);
            samples.add(new SegmentationDataset.Sample("s" + n, pixels, new byte[size * size]));
        }
        SegmentationDataset ds = SegmentationDataset.of(size, samples);
        INDArray f = ds.features(new int[] {1}, null);
        RgbImage image = ds.image(1);
        assertThat(image.width()).isEqualTo(size);
        assertThat(image.height()).isEqualTo(size);
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < size; y++) {
                for (int x = 0; x < size; x++) {
                    assertThat(image.get(x, y, c)).as("c%d y%d x%d", c, y, x)
                            .isEqualTo((int) Math.round(f.getDouble(0, c, y, x) * 255));
                }
            }
        }
    }

    @Test
    void featuresAreFloatsInUnitRangeWithTheResizedImage() {
        byte[] rgb = new byte[40 * 30 * 3];
        for (int i = 0; i < rgb.length; i += 3) {
            rgb[i] = (byte) 255;
            rgb[i + 1] = (byte) 51;
            rgb[i + 2] = 0;
        }
        byte[] pixels = PetPreprocessing.pixels(new RgbImage(40, 30, rgb), 8);
        SegmentationDataset ds = SegmentationDataset.of(8,
                java.util.List.of(new SegmentationDataset.Sample("x", pixels, new byte[64])));
        INDArray f = ds.features(new int[] {0}, null);
        assertThat(f.shape()).containsExactly(1, 3, 8, 8);
        assertThat(f.dataType()).isEqualTo(DataType.FLOAT);
        assertThat(f.minNumber().doubleValue()).isGreaterThanOrEqualTo(0);
        assertThat(f.maxNumber().doubleValue()).isLessThanOrEqualTo(1);
        assertThat(f.getDouble(0, 0, 3, 3)).isEqualTo(1.0, org.assertj.core.data.Offset.offset(1e-6));
        assertThat(f.getDouble(0, 1, 3, 3)).isEqualTo(0.2, org.assertj.core.data.Offset.offset(1e-6));
        assertThat(f.getDouble(0, 2, 3, 3)).isZero();
    }

    @Test
    void flipMirrorsImageAndMaskTogether() {
        SegmentationDataset ds = TestData.dataset(3, 8, 5);
        int[] idx = {2, 0};
        boolean[] flip = {true, false};
        INDArray f = ds.features(idx, flip);
        INDArray plain = ds.features(idx, null);
        INDArray l = ds.labels(idx, flip, 1, 3);
        for (int b = 0; b < 2; b++) {
            for (int y = 0; y < 8; y++) {
                for (int x = 0; x < 8; x++) {
                    int cls = Math.round(f.getFloat(b, 0, y, x) * 255 / 100);
                    assertThat(l.getFloat(b, cls, y, x)).as("label matches image at %d,%d", x, y).isEqualTo(1f);
                    int sx = flip[b] ? 7 - x : x;
                    assertThat(f.getFloat(b, 1, y, x)).isEqualTo(plain.getFloat(b, 1, y, sx));
                    assertThat(l.getFloat(b, ds.mask(idx[b])[y * 8 + sx], y, x)).isEqualTo(1f);
                }
            }
        }
        assertThat(f.getFloat(0, 1, 0, 0)).isEqualTo(1f);
        assertThat(f.getFloat(1, 1, 0, 0)).isEqualTo(0f);
    }

    @Test
    void downsampledLabelsPickTheCentrePixelOfEachCellAndStayOneHot() {
        SegmentationDataset ds = TestData.dataset(2, 16, 9);
        INDArray l = ds.labels(new int[] {1, 0}, null, 4, 3);
        assertThat(l.shape()).containsExactly(2, 3, 4, 4);
        INDArray sums = l.sum(1);
        assertThat(sums.minNumber().doubleValue()).isEqualTo(1.0);
        assertThat(sums.maxNumber().doubleValue()).isEqualTo(1.0);
        int[] mask = ds.mask(1);
        for (int y = 0; y < 4; y++) {
            for (int x = 0; x < 4; x++) {
                int cls = mask[(y * 4 + 2) * 16 + x * 4 + 2];
                assertThat(l.getFloat(0, cls, y, x)).isEqualTo(1f);
            }
        }
        assertThat(ds.labels(new int[] {0}, null, 1, 5).shape()).containsExactly(1, 5, 16, 16);
        assertThatThrownBy(() -> ds.labels(new int[] {0}, null, 3, 3)).hasMessageContaining("divide");
        assertThatThrownBy(() -> ds.labels(new int[] {0}, null, 1, 2)).hasMessageContaining("numClasses");
    }

    @Test
    void subsetAndCountsAgreeWithMasks() {
        SegmentationDataset ds = TestData.dataset(4, 4, 3);
        SegmentationDataset sub = ds.subset(new int[] {3, 1});
        assertThat(sub.names()).containsExactly("pet_3", "pet_1");
        assertThat(sub.mask(0)).isEqualTo(ds.mask(3));
        long[] counts = ds.classPixelCounts();
        assertThat(counts[0] + counts[1] + counts[2]).isEqualTo(4 * 16);
        long pets = 0;
        for (int i = 0; i < 4; i++) {
            for (int c : ds.mask(i)) {
                pets += c == 0 ? 1 : 0;
            }
        }
        assertThat(counts[0]).isEqualTo(pets);
        assertThat(ds.classNames()).containsExactly("pet", "background", "border");
    }
}
