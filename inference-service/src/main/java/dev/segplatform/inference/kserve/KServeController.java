package dev.segplatform.inference.kserve;

import dev.segplatform.inference.InferenceProperties;
import dev.segplatform.inference.kserve.KServeMessages.InferResponse;
import dev.segplatform.inference.kserve.KServeMessages.Live;
import dev.segplatform.inference.kserve.KServeMessages.ModelMetadata;
import dev.segplatform.inference.kserve.KServeMessages.OutputTensor;
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
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * The KServe v2 inference protocol (also Triton's HTTP API), so its clients can call the service.
 * Health answers follow the protocol: 200 for true, 400 for false. Errors are the service's
 * problem details, which also carry the protocol's {@code error} field.
 */
@RestController
@Tag(name = "KServe v2", description = "Open Inference Protocol: health, metadata and infer")
class KServeController {

    static final String MASK = InferRequestReader.MASK;
    static final String PROBABILITIES = InferRequestReader.PROBABILITIES;

    private final ModelHolder models;
    private final TensorInference inference;
    private final InferRequestReader reader;
    private final String modelName;
    private final long maxBody;

    KServeController(ModelHolder models, TensorInference inference, InferRequestReader reader,
                     InferenceProperties properties) {
        this.models = models;
        this.inference = inference;
        this.reader = reader;
        this.modelName = properties.modelName();
        this.maxBody = properties.maxTensorRequestSize().toBytes();
    }

    @GetMapping("/v2")
    @Operation(summary = "Server metadata")
    ServerMetadata server() {
        return new ServerMetadata("segplatform-inference", "0.1.0", List.of());
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
            + "and 'probabilities' (FP32 [N,C,S,S] at the model's input size S)")
    ResponseEntity<InferResponse> infer(@PathVariable String name, HttpServletRequest request) throws IOException {
        requireName(name);
        byte[] body = BoundedBody.read(request.getInputStream(), request.getContentLengthLong(), maxBody, "body");
        InferRequestReader.Request infer = reader.read(body);
        Set<String> wanted = infer.outputs();
        ServedModel model = models.require();
        TensorInference.Result result = inference.infer(model, infer.input());

        List<OutputTensor> outputs = new ArrayList<>();
        if (wanted.contains(MASK)) {
            int plane = result.height() * result.width();
            int[] classes = new int[result.n() * plane];
            for (int i = 0; i < result.n(); i++) {
                System.arraycopy(result.masks().get(i).toArray(), 0, classes, i * plane, plane);
            }
            outputs.add(new OutputTensor(MASK, List.of((long) result.n(), (long) result.height(), (long) result.width()),
                    "INT32", classes));
        }
        if (wanted.contains(PROBABILITIES)) {
            INDArray first = result.probabilities().get(0);
            long per = first.length();
            float[] values = new float[(int) (per * result.n())];
            for (int i = 0; i < result.n(); i++) {
                float[] one = result.probabilities().get(i).dup('c').data().asFloat();
                System.arraycopy(one, 0, values, (int) (i * per), (int) per);
            }
            outputs.add(new OutputTensor(PROBABILITIES, List.of((long) result.n(), first.size(1), first.size(2),
                    first.size(3)), "FP32", values));
        }
        return ResponseEntity.ok().headers(ModelHeaders.of(model))
                .body(new InferResponse(modelName, Long.toString(model.version()), infer.id(), null, outputs));
    }

    private void requireName(String name) {
        if (!modelName.equals(name)) {
            throw new NotFoundException("model '" + name + "' is not served here; this service serves '" + modelName + "'");
        }
    }
}
