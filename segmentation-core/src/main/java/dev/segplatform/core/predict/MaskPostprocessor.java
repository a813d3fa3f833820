package dev.segplatform.core.predict;

import dev.segplatform.core.image.Resize;
import dev.segplatform.core.model.kernel.FloatArrays;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Network output to class masks at the original image size: each class's probabilities resized
 * bilinearly to that size, then the argmax ({@link Resize#bilinearArgmax}). An image is usually
 * several times the network's input; taking the argmax first and scaling the classes up by nearest
 * neighbour gave masks whose outline was a staircase of the small map's pixels, off the pet's
 * outline by up to half of such a pixel all round. At the network's own size the interpolation is
 * the identity (every neighbour weighs 0), so the argmax is taken directly, from the tensor's own
 * memory when it is a dense float array: the same classes for any finite scores, without
 * interpolating or copying the probabilities.
 */
public final class MaskPostprocessor {

    private MaskPostprocessor() {
    }

    /** Probabilities (or scores) {@code [1, C, h, w]} to a {@code width x height} mask. */
    public static ClassMask toMask(INDArray probabilities, int width, int height) {
        if (probabilities.rank() != 4 || probabilities.size(0) != 1) {
            throw new IllegalArgumentException("expected [1, C, H, W], got " + Arrays.toString(probabilities.shape()));
        }
        return toMasks(probabilities, List.of(new int[] {width, height})).get(0);
    }

    /** A batch {@code [B, C, h, w]} to one mask per example, each at its own {@code {width, height}}. */
    public static List<ClassMask> toMasks(INDArray probabilities, List<int[]> sizes) {
        if (probabilities.rank() != 4 || probabilities.size(0) != sizes.size()) {
            throw new IllegalArgumentException("expected [" + sizes.size() + ", C, H, W], got "
                    + Arrays.toString(probabilities.shape()));
        }
        if (probabilities.size(1) > 256) {
            throw new IllegalArgumentException("at most 256 classes, got " + probabilities.size(1));
        }
        int classes = (int) probabilities.size(1);
        int h = (int) probabilities.size(2);
        int w = (int) probabilities.size(3);
        // The tensor's own memory when it is a dense float array (as the network's output is), a copy otherwise.
        FloatBuffer values = FloatArrays.buffer(FloatArrays.dense(probabilities.castTo(DataType.FLOAT)));
        List<ClassMask> masks = new ArrayList<>();
        float[] scores = null;
        for (int b = 0; b < sizes.size(); b++) {
            int[] size = sizes.get(b);
            int offset = b * classes * w * h;
            if (size[0] == w && size[1] == h) {
                // At the network's own size the interpolation is the identity: the plain argmax.
                masks.add(ClassMask.wrap(w, h, argmax(values, offset, classes, w * h)));
                continue;
            }
            if (scores == null) {
                scores = new float[Math.toIntExact(probabilities.length())];
                values.get(0, scores);
            }
            masks.add(ClassMask.wrap(size[0], size[1],
                    Resize.bilinearArgmax(scores, offset, classes, w, h, size[0], size[1])));
        }
        return masks;
    }

    /** Per pixel the class with the highest score, the lower index on a tie, as bilinearArgmax picks. */
    private static byte[] argmax(FloatBuffer values, int offset, int classes, int plane) {
        byte[] out = new byte[plane];
        float[] best = new float[plane];
        Arrays.fill(best, Float.NEGATIVE_INFINITY);
        // Class by class over whole planes, each read in one bulk get: a plane at a time instead of
        // a copy of every probability, and no per-element reads of native memory.
        float[] scores = new float[plane];
        for (int c = 0; c < classes; c++) {
            values.get(offset + c * plane, scores, 0, plane);
            byte label = (byte) c;
            for (int i = 0; i < plane; i++) {
                float score = scores[i];
                if (score > best[i]) {
                    best[i] = score;
                    out[i] = label;
                }
            }
        }
        return out;
    }
}
