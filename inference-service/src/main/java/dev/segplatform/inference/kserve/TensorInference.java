package dev.segplatform.inference.kserve;

import dev.segplatform.core.model.Resampling;
import dev.segplatform.core.predict.ClassMask;
import dev.segplatform.core.predict.MaskPostprocessor;
import dev.segplatform.inference.InferenceProperties;
import dev.segplatform.inference.batching.DynamicBatcher;
import dev.segplatform.inference.kserve.KServeMessages.InputTensor;
import dev.segplatform.inference.model.ServedModel;
import dev.segplatform.inference.problem.InvalidInputException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;

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
    private final int maxImages;
    private final long maxPixels;

    TensorInference(DynamicBatcher batcher, InferenceProperties properties) {
        this.batcher = batcher;
        this.timeout = properties.requestTimeout();
        this.maxImages = properties.maxImagesPerRequest();
        this.maxPixels = properties.maxPixels();
    }

    /** The masks and the probabilities at the model's input size. */
    record Result(int n, int height, int width, List<ClassMask> masks, List<INDArray> probabilities) {
    }

    Result infer(ServedModel model, InputTensor tensor, String field) {
        if (!"FP32".equals(tensor.datatype()) && !"FP64".equals(tensor.datatype())) {
            throw new InvalidInputException(field + ".datatype", "must be FP32, got " + tensor.datatype());
        }
        List<Long> shape = tensor.shape();
        if (shape == null || shape.size() != 4 || shape.stream().anyMatch(d -> d == null || d < 1)) {
            throw new InvalidInputException(field + ".shape", "must be [N,3,H,W] or [N,H,W,3] with positive sizes, got "
                    + shape);
        }
        boolean channelsFirst = shape.get(1) == 3;
        if (!channelsFirst && shape.get(3) != 3) {
            throw new InvalidInputException(field + ".shape", "needs 3 channels at index 1 (NCHW) or 3 (NHWC), got "
                    + shape);
        }
        long n = shape.get(0);
        long h = channelsFirst ? shape.get(2) : shape.get(1);
        long w = channelsFirst ? shape.get(3) : shape.get(2);
        if (n > maxImages) {
            throw new InvalidInputException(field + ".shape", "at most " + maxImages + " images per request, got " + n);
        }
        if (h * w > maxPixels) {
            throw new InvalidInputException(field + ".shape", h + "x" + w + " is more than the allowed " + maxPixels
                    + " pixels per image");
        }
        float[] data = flatten(tensor.data(), n * 3 * h * w, field + ".data");
        long[] dims = shape.stream().mapToLong(Long::longValue).toArray();
        INDArray x = Nd4j.create(data, dims, 'c');
        if (!channelsFirst) {
            x = x.permute(0, 3, 1, 2).dup('c');
        }
        int s = model.inputSize();
        if (h != s || w != s) {
            x = Resampling.resizeBilinear(x, s, s);
        }
        List<INDArray> inputs = new ArrayList<>((int) n);
        for (int i = 0; i < n; i++) {
            inputs.add(x.get(NDArrayIndex.interval(i, i + 1)).dup('c'));
        }
        List<CompletableFuture<INDArray>> futures = batcher.submitAll(model, inputs, timeout);
        List<ClassMask> masks = new ArrayList<>((int) n);
        List<INDArray> probabilities = new ArrayList<>((int) n);
        for (CompletableFuture<INDArray> future : futures) {
            INDArray p = DynamicBatcher.await(future);
            probabilities.add(p);
            masks.add(MaskPostprocessor.toMask(p, (int) w, (int) h));
        }
        return new Result((int) n, (int) h, (int) w, masks, probabilities);
    }

    /** Flat or nested JSON numbers, row-major, exactly {@code expected} of them. */
    static float[] flatten(JsonNode data, long expected, String field) {
        if (data == null || !data.isArray()) {
            throw new InvalidInputException(field, "must be an array of " + expected + " numbers");
        }
        float[] out = new float[(int) expected];
        int count = fill(data, out, 0, field);
        if (count != expected) {
            throw new InvalidInputException(field, "has " + count + " values; the shape needs " + expected);
        }
        return out;
    }

    private static int fill(JsonNode node, float[] out, int at, String field) {
        for (JsonNode item : node) {
            if (item.isArray()) {
                at = fill(item, out, at, field);
            } else if (item.isNumber()) {
                if (at >= out.length) {
                    throw new InvalidInputException(field, "has more values than the shape needs (" + out.length + ")");
                }
                out[at++] = item.floatValue();
            } else {
                throw new InvalidInputException(field, "holds a non-number: " + item);
            }
        }
        return at;
    }
}
