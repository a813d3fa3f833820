package dev.segplatform.core.model.kernel;

import static dev.segplatform.core.model.kernel.OneDnnEngine.ENGINE;
import static org.assertj.core.api.Assertions.assertThat;

import org.bytedeco.dnnl.memory;
import org.bytedeco.javacpp.Pointer;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A fixed array's reordered copy (a folded graph's weights) is made on the first run and again
 * only when the array bound to the plan moves: a change in place is not seen, which is why only
 * graphs that are never trained mark their weights fixed.
 */
class ConvolutionPlanTest {

    @Test
    void aFixedReorderRunsAgainOnlyWhenItsSourceMoves() {
        long[] shape = {1, 32, 3, 3};
        memory.desc plain = new memory.desc(shape, memory.data_type.f32, memory.format_tag.nchw);
        memory.desc blocked = new memory.desc(shape, memory.data_type.f32, memory.format_tag.aBcd16b);
        try (memory source = new memory(plain, ENGINE, new Pointer());
                memory result = new memory(plain, ENGINE, new Pointer());
                ConvolutionPlan plan = new ConvolutionPlan()) {
            // source -(fixed)-> blocked copy -> result: the result shows what the copy holds.
            memory copy = plan.fixed(source, blocked);
            plan.out(copy, result);
            INDArray first = Nd4j.rand(DataType.FLOAT, shape);
            INDArray out = Nd4j.create(DataType.FLOAT, shape);
            OneDnnConvolution.bind(result, out);

            OneDnnConvolution.bind(source, first);
            plan.run();
            assertThat(out).isEqualTo(first);

            INDArray firstBefore = first.dup();
            first.muli(2);
            plan.run();
            assertThat(out).as("changed in place, not moved: the copy stays").isEqualTo(firstBefore);

            INDArray second = Nd4j.rand(DataType.FLOAT, shape);
            OneDnnConvolution.bind(source, second);
            plan.run();
            assertThat(out).as("moved: copied again").isEqualTo(second);
        }
    }
}
