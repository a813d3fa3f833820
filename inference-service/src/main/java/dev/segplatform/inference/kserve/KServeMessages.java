package dev.segplatform.inference.kserve;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * The JSON messages of the KServe v2 (Open Inference Protocol) REST API, field names as the
 * specification spells them. Only the JSON tensor form is supported, not the binary extension.
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

    /** One input tensor; {@code data} is flat or nested row-major, as the protocol allows. */
    record InputTensor(String name, List<Long> shape, String datatype, Map<String, Object> parameters, JsonNode data) {
    }

    record RequestedOutput(String name, Map<String, Object> parameters) {
    }

    record InferRequest(String id, Map<String, Object> parameters, List<InputTensor> inputs,
                        List<RequestedOutput> outputs) {
    }

    record OutputTensor(String name, List<Long> shape, String datatype, Object data) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record InferResponse(@JsonProperty("model_name") String modelName,
                         @JsonProperty("model_version") String modelVersion,
                         String id, Map<String, Object> parameters, List<OutputTensor> outputs) {
    }
}
