package dev.segplatform.inference.kserve;

import dev.segplatform.inference.kserve.InferRequestReader.RequestedOutput;
import dev.segplatform.inference.kserve.KServeMessages.InferResponse;
import dev.segplatform.inference.kserve.KServeMessages.OutputTensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.springframework.stereotype.Component;
import tools.jackson.databind.json.JsonMapper;

/**
 * Packs the outputs of an inference into the KServe v2 answer: {@code mask} (INT32 {@code [N,H,W]})
 * and {@code probabilities} (FP32 {@code [N,C,S,S]}), each as JSON numbers or, when the request asked
 * for binary data, as little-endian bytes after the JSON header, in the order the header lists them
 * (the binary tensor extension), each output naming its {@code binary_data_size}.
 */
@Component
class OutputPacker {

    private final JsonMapper json;

    OutputPacker(JsonMapper json) {
        this.json = json;
    }

    /**
     * An answer: all JSON ({@code binary} null), or a JSON header of {@code headerLength} bytes
     * followed by the binary outputs, all in {@code binary}.
     */
    record Packed(InferResponse header, byte[] binary, int headerLength) {
    }

    Packed pack(String modelName, String modelVersion, TensorInference.Result result) {
        List<OutputTensor> outputs = new ArrayList<>();
        List<byte[]> sections = new ArrayList<>();
        for (RequestedOutput wanted : result.request().outputs()) {
            OutputTensor tensor = InferRequestReader.MASK.equals(wanted.name()) ? mask(result, wanted.binary(), sections)
                    : probabilities(result, wanted.binary(), sections);
            outputs.add(tensor);
        }
        InferResponse header = new InferResponse(modelName, modelVersion, result.request().id(), null, outputs);
        if (sections.isEmpty()) {
            return new Packed(header, null, -1);
        }
        byte[] head = json.writeValueAsBytes(header);
        long total = head.length;
        for (byte[] section : sections) {
            total += section.length;
        }
        if (total > Integer.MAX_VALUE - 16) {
            throw new IllegalStateException("the answer of " + total + " bytes is more than one response can hold");
        }
        byte[] body = new byte[(int) total];
        System.arraycopy(head, 0, body, 0, head.length);
        int at = head.length;
        for (byte[] section : sections) {
            System.arraycopy(section, 0, body, at, section.length);
            at += section.length;
        }
        return new Packed(header, body, head.length);
    }

    private static OutputTensor mask(TensorInference.Result result, boolean binary, List<byte[]> sections) {
        int plane = result.height() * result.width();
        int[] classes = new int[result.n() * plane];
        for (int i = 0; i < result.n(); i++) {
            System.arraycopy(result.masks().get(i).toArray(), 0, classes, i * plane, plane);
        }
        List<Long> shape = List.of((long) result.n(), (long) result.height(), (long) result.width());
        if (!binary) {
            return new OutputTensor(InferRequestReader.MASK, shape, "INT32", null, classes);
        }
        byte[] bytes = new byte[classes.length * Integer.BYTES];
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asIntBuffer().put(classes);
        sections.add(bytes);
        return new OutputTensor(InferRequestReader.MASK, shape, "INT32", Map.of("binary_data_size", bytes.length), null);
    }

    private static OutputTensor probabilities(TensorInference.Result result, boolean binary, List<byte[]> sections) {
        INDArray first = result.probabilities().get(0);
        int per = (int) first.length();
        List<Long> shape = List.of((long) result.n(), first.size(1), first.size(2), first.size(3));
        if (!binary) {
            float[] values = new float[per * result.n()];
            for (int i = 0; i < result.n(); i++) {
                nativeFloats(result.probabilities().get(i)).get(values, i * per, per);
            }
            return new OutputTensor(InferRequestReader.PROBABILITIES, shape, "FP32", null, values);
        }
        byte[] bytes = new byte[per * result.n() * Float.BYTES];
        FloatBuffer target = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
        for (int i = 0; i < result.n(); i++) {
            target.put(nativeFloats(result.probabilities().get(i)));
        }
        sections.add(bytes);
        return new OutputTensor(InferRequestReader.PROBABILITIES, shape, "FP32", Map.of("binary_data_size", bytes.length),
                null);
    }

    /** The array's values row-major, read from native memory without an intermediate array. */
    private static FloatBuffer nativeFloats(INDArray array) {
        INDArray c = array.isView() || array.ordering() != 'c' || array.data().offset() != 0
                || array.data().length() != array.length() ? array.dup('c') : array;
        FloatBuffer values = c.data().asNio().order(ByteOrder.nativeOrder()).asFloatBuffer();
        values.limit((int) c.length());
        return values;
    }
}
