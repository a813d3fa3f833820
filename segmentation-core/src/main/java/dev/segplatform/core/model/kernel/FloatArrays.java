package dev.segplatform.core.model.kernel;

import java.nio.FloatBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Bulk copies between float INDArrays and Java arrays, for layers whose work is a gather or a
 * short weighted sum that Java loops over a plain {@code float[]} do faster than a chain of ND4J
 * ops over strided views (see {@link AxisMap}, the legacy {@code PhaseShuffle} layer).
 */
public final class FloatArrays {

    private FloatArrays() {
    }

    /** The elements of a float array in c order (one bulk copy; a copy to c order first if it is strided). */
    public static float[] read(INDArray a) {
        requireFloat(a);
        INDArray dense = dense(a);
        float[] values = new float[Math.toIntExact(dense.length())];
        buffer(dense).get(values);
        return values;
    }

    /** Writes {@code values} into a c-contiguous float array, e.g. one just made by a workspace manager. */
    public static void write(float[] values, INDArray target) {
        requireFloat(target);
        if (!isDense(target) || target.length() != values.length) {
            throw new IllegalArgumentException("target must be a c-contiguous array of " + values.length + " floats");
        }
        buffer(target).put(values);
    }

    /** {@code a} itself if it is c-contiguous, else a c-ordered copy. */
    public static INDArray dense(INDArray a) {
        return isDense(a) ? a : a.dup('c');
    }

    /**
     * The elements of a c-contiguous float array as a buffer whose index 0 is its first element.
     * Absolute gets and puts leave the buffer unchanged, so threads may share it.
     */
    public static FloatBuffer buffer(INDArray a) {
        requireFloat(a);
        if (!isDense(a)) {
            throw new IllegalArgumentException("expected a c-contiguous array, got strides " + java.util.Arrays.toString(a.stride()));
        }
        FloatBuffer b = a.data().asNioFloat();
        b.position(Math.toIntExact(a.offset()));
        return b.slice();
    }

    private static void requireFloat(INDArray a) {
        if (a.dataType() != DataType.FLOAT) {
            throw new IllegalArgumentException("expected a float array, got " + a.dataType());
        }
    }

    /** C-contiguous from its offset on (strides of size-1 dimensions do not matter, and ND4J sets them freely). */
    public static boolean isDense(INDArray a) {
        long expected = 1;
        for (int d = a.rank() - 1; d >= 0; d--) {
            if (a.size(d) != 1 && a.stride(d) != expected) {
                return false;
            }
            expected *= a.size(d);
        }
        return true;
    }
}
