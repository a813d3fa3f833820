package dev.segplatform.inference.kserve;

import dev.segplatform.core.predict.ClassMask;
import dev.segplatform.core.predict.ImagePreprocessor;
import dev.segplatform.core.predict.MaskPostprocessor;
import dev.segplatform.inference.InferenceProperties;
import dev.segplatform.inference.batching.DynamicBatcher;
import dev.segplatform.inference.model.ServedModel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.springframework.stereotype.Component;

/**
 * An FP32 image tensor to class masks through the same batcher as the image endpoints. The tensor
 * holds RGB values already scaled to [0, 1] (the bundle's normalisation), as {@code [N, 3, H, W]}
 * or {@code [N, H, W, 3]}; images of another size than the model's input are resized bilinearly,
 * and masks come back at {@code H x W}.
 */
@Component
class TensorInference {

    private final DynamicBatcher batcher;
    private final Duration timeout;

    TensorInference(DynamicBatcher batcher, InferenceProperties properties) {
        this.batcher = batcher;
        this.timeout = properties.requestTimeout();
    }

    /** The masks and the probabilities at the model's input size. */
    record Result(int n, int height, int width, List<ClassMask> masks, List<INDArray> probabilities) {
    }

    /** The tensor was checked by {@link InferRequestReader}: shape within the limits, values finite FP32. */
    Result infer(ServedModel model, InferRequestReader.ImageTensor tensor) {
        int n = tensor.n();
        int h = tensor.height();
        int w = tensor.width();
        INDArray x = Nd4j.create(tensor.data(), tensor.shape(), 'c');
        if (!tensor.channelsFirst()) {
            x = x.permute(0, 3, 1, 2).dup('c');
        }
        int s = model.inputSize();
        x = ImagePreprocessor.toInputSize(x, s);
        List<INDArray> inputs = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            inputs.add(x.get(NDArrayIndex.interval(i, i + 1)).dup('c'));
        }
        List<CompletableFuture<INDArray>> futures = batcher.submitAll(model, inputs, timeout);
        List<ClassMask> masks = new ArrayList<>(n);
        List<INDArray> probabilities = new ArrayList<>(n);
        for (CompletableFuture<INDArray> future : futures) {
            INDArray p = DynamicBatcher.await(future);
            probabilities.add(p);
            masks.add(MaskPostprocessor.toMask(p, w, h));
        }
        return new Result(n, h, w, masks, probabilities);
    }
}
