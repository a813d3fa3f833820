package dev.segplatform.inference.kserve;

import dev.segplatform.core.predict.ClassMask;
import dev.segplatform.core.predict.ImagePreprocessor;
import dev.segplatform.core.predict.MaskPostprocessor;
import dev.segplatform.inference.InferenceProperties;
import dev.segplatform.inference.batching.DynamicBatcher;
import dev.segplatform.inference.model.ModelHolder;
import dev.segplatform.inference.model.ServedModel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.springframework.stereotype.Component;

/**
 * A KServe request body to class masks through the same batcher as the image endpoints. The
 * request is announced to the batcher before its body is parsed, so a batch forming meanwhile may
 * wait for it. The tensor holds RGB values already scaled to [0, 1] (the bundle's normalisation);
 * images of another size than the model's input are resized bilinearly, and masks come back at
 * {@code H x W}.
 */
@Component
class TensorInference {

    private final ModelHolder models;
    private final DynamicBatcher batcher;
    private final InferRequestReader reader;
    private final Duration timeout;

    TensorInference(ModelHolder models, DynamicBatcher batcher, InferRequestReader reader,
                    InferenceProperties properties) {
        this.models = models;
        this.batcher = batcher;
        this.reader = reader;
        this.timeout = properties.requestTimeout();
    }

    /** The request as read, the model that answered, its masks, and the probabilities at its input size. */
    record Result(InferRequestReader.Request request, ServedModel model, int n, int height, int width,
                  List<ClassMask> masks, List<INDArray> probabilities) {
    }

    /**
     * Reads the request (a bad one is refused whether or not a model is loaded), then takes the
     * current model, which answers all of the request's images.
     *
     * @param headerLength the {@code Inference-Header-Content-Length} header, null when absent
     */
    Result infer(byte[] body, String headerLength) {
        InferRequestReader.Request request;
        ServedModel model;
        List<CompletableFuture<INDArray>> futures;
        List<INDArray> inputs;
        INDArray x;
        try (DynamicBatcher.Arrival arrival = batcher.announce()) {
            request = reader.read(body, headerLength);
            model = models.require();
            InferRequestReader.ImageTensor tensor = request.input();
            x = ImagePreprocessor.toInputSize(tensor.nchw(), model.inputSize());
            inputs = new ArrayList<>(tensor.n());
            if (tensor.n() == 1) {
                inputs.add(x);
            } else {
                for (int i = 0; i < tensor.n(); i++) {
                    inputs.add(x.get(NDArrayIndex.interval(i, i + 1)).dup('c'));
                }
            }
            futures = arrival.submitAll(model, inputs, timeout);
        }
        InferRequestReader.ImageTensor tensor = request.input();
        List<ClassMask> masks = new ArrayList<>(tensor.n());
        List<INDArray> probabilities = new ArrayList<>(tensor.n());
        for (CompletableFuture<INDArray> future : futures) {
            INDArray p = DynamicBatcher.await(future);
            probabilities.add(p);
            masks.add(MaskPostprocessor.toMask(p, tensor.width(), tensor.height()));
        }
        // Every pass is over: the inputs are not read again (the probabilities are, by the packer).
        inputs.forEach(DynamicBatcher::release);
        DynamicBatcher.release(x);
        DynamicBatcher.release(tensor.nchw());
        return new Result(request, model, tensor.n(), tensor.height(), tensor.width(), masks, probabilities);
    }
}
