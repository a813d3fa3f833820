package dev.segplatform.inference.kserve;

import dev.segplatform.inference.InferenceProperties;
import dev.segplatform.inference.batching.DynamicBatcher;
import dev.segplatform.inference.kserve.KServeMessages.Live;
import dev.segplatform.inference.kserve.KServeMessages.ModelMetadata;
import dev.segplatform.inference.kserve.KServeMessages.Ready;
import dev.segplatform.inference.kserve.KServeMessages.ServerMetadata;
import dev.segplatform.inference.kserve.KServeMessages.TensorMetadata;
import dev.segplatform.inference.model.ModelHeaders;
import dev.segplatform.inference.model.ModelHolder;
import dev.segplatform.inference.model.ServedModel;
import dev.segplatform.inference.problem.NotFoundException;
import dev.segplatform.inference.web.BoundedBody;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * The KServe v2 inference protocol (also Triton's HTTP API), so its clients can call the service.
 * Health answers follow the protocol: 200 for true, 400 for false. Errors are the service's
 * problem details, which also carry the protocol's {@code error} field. HTTP only: reading and
 * batching are {@link TensorInference}'s, packing the outputs is {@link OutputPacker}'s.
 */
@RestController
@Tag(name = "KServe v2", description = "Open Inference Protocol: health, metadata and infer")
class KServeController {

    static final String MASK = InferRequestReader.MASK;
    static final String PROBABILITIES = InferRequestReader.PROBABILITIES;

    private final ModelHolder models;
    private final TensorInference inference;
    private final OutputPacker packer;
    private final String modelName;
    private final long maxBody;

    KServeController(ModelHolder models, TensorInference inference, OutputPacker packer,
                     InferenceProperties properties) {
        this.models = models;
        this.inference = inference;
        this.packer = packer;
        this.modelName = properties.modelName();
        this.maxBody = properties.maxTensorRequestSize().toBytes();
    }

    @GetMapping("/v2")
    @Operation(summary = "Server metadata")
    ServerMetadata server() {
        return new ServerMetadata("segplatform-inference", "0.1.0", List.of("binary_tensor_data"));
    }

    @GetMapping("/v2/health/live")
    @Operation(summary = "Liveness: 200 while the process serves HTTP")
    Live live() {
        return new Live(true);
    }

    @GetMapping("/v2/health/ready")
    @Operation(summary = "Readiness: 200 once a model is loaded, 400 before")
    ResponseEntity<Ready> ready() {
        boolean ready = models.current().isPresent();
        return ResponseEntity.status(ready ? HttpStatus.OK : HttpStatus.BAD_REQUEST).body(new Ready(ready));
    }

    @GetMapping("/v2/models/{name}/ready")
    @Operation(summary = "Model readiness: 200 once loaded, 400 before")
    ResponseEntity<Ready> modelReady(@PathVariable String name) {
        requireName(name);
        return ready();
    }

    @GetMapping("/v2/models/{name}")
    @Operation(summary = "Model metadata: the input and output tensors")
    ResponseEntity<ModelMetadata> metadata(@PathVariable String name) {
        requireName(name);
        ServedModel model = models.require();
        long s = model.inputSize();
        long c = model.classNames().size();
        Map<String, Object> parameters = new LinkedHashMap<>();
        parameters.put("classes", model.classNames());
        parameters.put("input_size", s);
        parameters.put("architecture", model.architecture());
        parameters.put("run_id", model.runId());
        parameters.put("normalization", "RGB scaled to [0,1]; NCHW [N,3,H,W] or NHWC [N,H,W,3]; "
                + "other sizes than the input size are resized bilinearly");
        ModelMetadata metadata = new ModelMetadata(modelName, List.of(Long.toString(model.version())), "deeplearning4j",
                List.of(new TensorMetadata("input", "FP32", List.of(-1L, 3L, -1L, -1L))),
                List.of(new TensorMetadata(MASK, "INT32", List.of(-1L, -1L, -1L)),
                        new TensorMetadata(PROBABILITIES, "FP32", List.of(-1L, c, s, s))),
                parameters);
        return ResponseEntity.ok().headers(ModelHeaders.of(model)).body(metadata);
    }

    @PostMapping("/v2/models/{name}/infer")
    @Operation(summary = "Infer: one FP32 input [N,3,H,W] or [N,H,W,3] in [0,1]; outputs 'mask' (INT32 [N,H,W]) "
            + "and 'probabilities' (FP32 [N,C,S,S] at the model's input size S); JSON or binary tensors "
            + "(Inference-Header-Content-Length, binary_data_size, binary_data, binary_data_output)")
    ResponseEntity<?> infer(@PathVariable String name, HttpServletRequest request) throws IOException {
        requireName(name);
        byte[] body = BoundedBody.read(request.getInputStream(), request.getContentLengthLong(), maxBody, "body");
        TensorInference.Result result = inference.infer(body, request.getHeader(InferRequestReader.HEADER_LENGTH));
        ServedModel model = result.model();
        OutputPacker.Packed packed = packer.pack(modelName, Long.toString(model.version()), result);
        // Packed into Java arrays: the probabilities are not read again.
        result.probabilities().forEach(DynamicBatcher::release);
        if (packed.binary() == null) {
            return ResponseEntity.ok().headers(ModelHeaders.of(model)).body(packed.header());
        }
        return ResponseEntity.ok().headers(ModelHeaders.of(model))
                .header(InferRequestReader.HEADER_LENGTH, Integer.toString(packed.headerLength()))
                .contentType(MediaType.APPLICATION_OCTET_STREAM)
                .body(packed.binary());
    }

    private void requireName(String name) {
        if (!modelName.equals(name)) {
            throw new NotFoundException("model '" + name + "' is not served here; this service serves '" + modelName + "'");
        }
    }
}
