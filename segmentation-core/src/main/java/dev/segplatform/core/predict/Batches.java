package dev.segplatform.core.predict;

import dev.segplatform.core.model.kernel.FloatArrays;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * A batch's inputs into one array and its output back into one array per example, as the
 * inference service's batch workers need between two passes, on a core they share with the
 * requests. Dense float arrays (what {@link ImagePreprocessor} and the tensor requests prepare) are
 * copied in bulk: {@code Nd4j.concat} stacked four 128 px images in 0.49-0.72 ms, a bulk copy in
 * 0.13-0.15, and the pass after either took the same time in three of four A/Bs (in the fourth,
 * 3% longer after the bulk copy; {@code bin/bench serving} prints the A/B). Anything else goes
 * through ND4J's concat and dup.
 */
public final class Batches {

    private Batches() {
    }

    /** The inputs, each {@code [1, ...]} of one shape, one after another as {@code [n, ...]}. */
    public static INDArray stack(List<INDArray> inputs) {
        INDArray first = inputs.get(0);
        boolean bulk = true;
        for (INDArray input : inputs) {
            bulk &= denseFloat(input) && Arrays.equals(input.shape(), first.shape());
        }
        if (!bulk) {
            return Nd4j.concat(0, inputs.toArray(INDArray[]::new));
        }
        long[] shape = first.shape().clone();
        shape[0] = inputs.size();
        INDArray stacked = Nd4j.createUninitialized(DataType.FLOAT, shape, 'c');
        FloatBuffer target = FloatArrays.buffer(stacked);
        int each = Math.toIntExact(first.length());
        for (int i = 0; i < inputs.size(); i++) {
            target.put(i * each, FloatArrays.buffer(inputs.get(i)), 0, each);
        }
        return stacked;
    }

    /** Each of the {@code examples} rows of {@code out} as an array {@code [1, ...]} of its own. */
    public static List<INDArray> split(INDArray out, int examples) {
        List<INDArray> outputs = new ArrayList<>(examples);
        if (!denseFloat(out)) {
            for (int i = 0; i < examples; i++) {
                outputs.add(out.get(NDArrayIndex.interval(i, i + 1)).dup());
            }
            return outputs;
        }
        long[] shape = out.shape().clone();
        shape[0] = 1;
        FloatBuffer source = FloatArrays.buffer(out);
        int each = Math.toIntExact(out.length() / examples);
        for (int i = 0; i < examples; i++) {
            INDArray one = Nd4j.createUninitialized(DataType.FLOAT, shape, 'c');
            FloatArrays.buffer(one).put(0, source, i * each, each);
            outputs.add(one);
        }
        return outputs;
    }

    /** What {@link FloatArrays#buffer} gives the elements of without a copy. */
    private static boolean denseFloat(INDArray a) {
        return a.dataType() == DataType.FLOAT && FloatArrays.isDense(a);
    }
}
