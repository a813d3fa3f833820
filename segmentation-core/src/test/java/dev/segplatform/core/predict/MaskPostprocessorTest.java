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
    void argmaxThenNearestResizeBackToTheOriginalSize() {
        // 4 x 4 scores where class = (x + y) % 3 wins, but only class 0 and 2 are ever predicted
        // in the left column: a resize must never blend them into class 1.
        INDArray probs = Nd4j.zeros(1, 3, 4, 4);
        int[] expectedSmall = new int[16];
        for (int y = 0; y < 4; y++) {
            for (int x = 0; x < 4; x++) {
                int cls = (x + y) % 3;
                expectedSmall[y * 4 + x] = cls;
                probs.putScalar(new long[] {0, cls, y, x}, 0.7);
                probs.putScalar(new long[] {0, (cls + 1) % 3, y, x}, 0.2);
                probs.putScalar(new long[] {0, (cls + 2) % 3, y, x}, 0.1);
            }
        }
        ClassMask mask = MaskPostprocessor.toMask(probs, 10, 7);
        assertThat(mask.width()).isEqualTo(10);
        assertThat(mask.height()).isEqualTo(7);
        for (int y = 0; y < 7; y++) {
            for (int x = 0; x < 10; x++) {
                int sx = Resize.nearestSource(x, 4, 10);
                int sy = Resize.nearestSource(y, 4, 7);
                assertThat(mask.get(x, y)).isEqualTo(expectedSmall[sy * 4 + sx]);
            }
        }
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
}
