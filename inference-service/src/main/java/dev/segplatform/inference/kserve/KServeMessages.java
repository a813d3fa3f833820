package dev.segplatform.inference.kserve;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Map;

/**
 * The JSON messages of the KServe v2 (Open Inference Protocol) REST API, field names as the
 * specification spells them. Binary tensors (the extension) are packed by {@link OutputPacker};
 * requests are not bound to records: {@link InferRequestReader} streams them.
 */
final class KServeMessages {

    private KServeMessages() {
    }

    record ServerMetadata(String name, String version, List<String> extensions) {
    }

    record Live(boolean live) {
    }

    record Ready(boolean ready) {
    }

    record TensorMetadata(String name, String datatype, List<Long> shape) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record ModelMetadata(String name, List<String> versions, String platform, List<TensorMetadata> inputs,
                         List<TensorMetadata> outputs, Map<String, Object> parameters) {
    }

    /** {@code data} is null when the values follow the JSON as binary, {@code parameters} saying how many bytes. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record OutputTensor(String name, List<Long> shape, String datatype, Map<String, Object> parameters, Object data) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record InferResponse(@JsonProperty("model_name") String modelName,
                         @JsonProperty("model_version") String modelVersion,
                         String id, Map<String, Object> parameters, List<OutputTensor> outputs) {
    }
}
