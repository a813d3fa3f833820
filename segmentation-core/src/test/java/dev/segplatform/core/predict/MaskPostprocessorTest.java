package dev.segplatform.core.predict;

import static org.assertj.core.api.Assertions.assertThat;

import dev.segplatform.core.image.Resize;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class MaskPostprocessorTest {

    @Test
    void atTheNetworksOwnSizeTheMaskIsTheArgmax() {
        INDArray probs = Nd4j.zeros(1, 3, 4, 4);
        int[] expected = new int[16];
        for (int y = 0; y < 4; y++) {
            for (int x = 0; x < 4; x++) {
                int cls = (x + y) % 3;
                expected[y * 4 + x] = cls;
                probs.putScalar(new long[] {0, cls, y, x}, 0.7);
                probs.putScalar(new long[] {0, (cls + 1) % 3, y, x}, 0.2);
                probs.putScalar(new long[] {0, (cls + 2) % 3, y, x}, 0.1);
            }
        }
        ClassMask mask = MaskPostprocessor.toMask(probs, 4, 4);
        assertThat(mask.toArray()).containsExactly(expected);
    }

    /**
     * A disc seen by a network at an eighth of its size, with each small pixel's probability the
     * share of it the disc covers: scaled back up, the mask must follow the disc's outline, not the
     * staircase of the small pixels that taking the argmax first and scaling classes up gives.
     */
    @Test
    void anUpscaledMaskFollowsTheOutlineInsteadOfTheSmallMapsPixels() {
        int big = 256;
        int small = 32;
        int factor = big / small;
        double cx = 121.3;
        double cy = 133.7;
        double r = 70.4;
        INDArray probs = Nd4j.zeros(1, 3, small, small);
        for (int y = 0; y < small; y++) {
            for (int x = 0; x < small; x++) {
                int inside = 0;
                for (int dy = 0; dy < factor; dy++) {
                    for (int dx = 0; dx < factor; dx++) {
                        inside += inDisc(x * factor + dx, y * factor + dy, cx, cy, r) ? 1 : 0;
                    }
                }
                double share = inside / (double) (factor * factor);
                probs.putScalar(new long[] {0, 0, y, x}, share);
                probs.putScalar(new long[] {0, 1, y, x}, 1 - share);
            }
        }
        int[] upscaled = MaskPostprocessor.toMask(probs, big, big).toArray();
        byte[] argmaxFirst = new byte[small * small];
        for (int i = 0; i < argmaxFirst.length; i++) {
            argmaxFirst[i] = (byte) (probs.getDouble(0, 0, i / small, i % small) >= 0.5 ? 0 : 1);
        }
        byte[] staircase = Resize.nearest(argmaxFirst, small, small, big, big);
        int wrong = 0;
        int wrongStaircase = 0;
        for (int y = 0; y < big; y++) {
            for (int x = 0; x < big; x++) {
                int truth = inDisc(x, y, cx, cy, r) ? 0 : 1;
                wrong += upscaled[y * big + x] != truth ? 1 : 0;
                wrongStaircase += staircase[y * big + x] != truth ? 1 : 0;
            }
        }
        // The staircase misses a band along the whole outline; interpolated probabilities cross 0.5
        // close to it, so fewer pixels are wrong than the outline is long.
        assertThat(wrong).isLessThan(wrongStaircase / 2);
        assertThat(wrong).isLessThan((int) (2 * Math.PI * r));
    }

    private static boolean inDisc(int x, int y, double cx, double cy, double r) {
        double dx = x + 0.5 - cx;
        double dy = y + 0.5 - cy;
        return dx * dx + dy * dy <= r * r;
    }

    @Test
    void upscalingATwoClassMaskKeepsOnlyThoseClasses() {
        INDArray probs = Nd4j.zeros(1, 3, 8, 8);
        for (int y = 0; y < 8; y++) {
            for (int x = 0; x < 8; x++) {
                probs.putScalar(new long[] {0, (x + y) % 2 == 0 ? 0 : 2, y, x}, 1);
            }
        }
        Set<Integer> seen = new HashSet<>();
        for (int c : MaskPostprocessor.toMask(probs, 37, 53).toArray()) {
            seen.add(c);
        }
        assertThat(seen).containsExactlyInAnyOrder(0, 2);
    }

    @Test
    void batchesGiveOneMaskPerExampleAtItsOwnSize() {
        INDArray probs = Nd4j.zeros(2, 3, 2, 2);
        probs.get(org.nd4j.linalg.indexing.NDArrayIndex.point(0), org.nd4j.linalg.indexing.NDArrayIndex.point(1))
                .assign(1);
        probs.get(org.nd4j.linalg.indexing.NDArrayIndex.point(1), org.nd4j.linalg.indexing.NDArrayIndex.point(2))
                .assign(1);
        List<ClassMask> masks = MaskPostprocessor.toMasks(probs, List.of(new int[] {3, 5}, new int[] {6, 2}));
        assertThat(masks.get(0).width()).isEqualTo(3);
        assertThat(masks.get(0).pixelCounts(3)).containsExactly(0, 15, 0);
        assertThat(masks.get(1).height()).isEqualTo(2);
        assertThat(masks.get(1).pixelCounts(3)).containsExactly(0, 0, 12);
    }

    /**
     * At the network's size the mask is taken without interpolating: the same classes as the
     * interpolating path ({@link Resize#bilinearArgmax}) for random scores with ties, for a whole
     * batch, for a view into a batch (as the batcher hands out) and for an array in Fortran order.
     */
    @Test
    void theIdentitySizeArgmaxEqualsTheInterpolatedOne() {
        java.util.Random random = new java.util.Random(4);
        int classes = 3;
        int h = 9;
        int w = 13;
        float[] scores = new float[2 * classes * h * w];
        for (int i = 0; i < scores.length; i++) {
            // Few distinct values, so ties between classes are common.
            scores[i] = random.nextInt(4) / 4f;
        }
        INDArray batch = Nd4j.create(scores, new long[] {2, classes, h, w}, 'c');
        List<ClassMask> masks = MaskPostprocessor.toMasks(batch, List.of(new int[] {w, h}, new int[] {w, h}));
        Set<Integer> seen = new HashSet<>();
        for (int b = 0; b < 2; b++) {
            byte[] expected = Resize.bilinearArgmax(scores, b * classes * h * w, classes, w, h, w, h);
            int[] expectedClasses = new int[expected.length];
            for (int i = 0; i < expected.length; i++) {
                expectedClasses[i] = expected[i] & 0xFF;
                seen.add(expectedClasses[i]);
            }
            assertThat(masks.get(b).toArray()).containsExactly(expectedClasses);
            INDArray view = batch.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(b, b + 1),
                    org.nd4j.linalg.indexing.NDArrayIndex.all(), org.nd4j.linalg.indexing.NDArrayIndex.all(),
                    org.nd4j.linalg.indexing.NDArrayIndex.all());
            assertThat(MaskPostprocessor.toMask(view, w, h).toArray()).containsExactly(expectedClasses);
            assertThat(MaskPostprocessor.toMask(view.dup('f'), w, h).toArray()).containsExactly(expectedClasses);
            assertThat(MaskPostprocessor.toMask(view.castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE), w, h)
                    .toArray()).containsExactly(expectedClasses);
        }
        assertThat(seen).containsExactlyInAnyOrder(0, 1, 2);
    }
}
