package dev.segplatform.inference.model;

import dev.segplatform.inference.InferenceProperties;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

@RestController
@Tag(name = "Model", description = "The model being served")
class ModelController {

    private final ModelHolder holder;
    private final String name;

    ModelController(ModelHolder holder, InferenceProperties properties) {
        this.holder = holder;
        this.name = properties.modelName();
    }

    /**
     * The served model.
     *
     * @param version      this service's load counter: grows by one with every swap
     * @param source       {@code best-run}, {@code pinned-run} or {@code bundle-file}
     * @param rankMetric   the metric that made it the best run, with {@code rankValue}; null otherwise
     * @param metrics      the metrics recorded in the bundle when it was written
     * @param weightsSha256 sha256 of the weights inside the bundle
     * @param registeredModel the registered model, version and alias it was chosen by
     *                        ({@code inference.model-uri}); null otherwise
     * @param batching     how the load timed its batch sizes and the largest batch formed for it; null
     *                     when it did not ({@code inference.profile-batch-sizes=false} or max batch 1)
     */
    record ModelInfo(String name, long version, String runId, Long experimentId, String architecture, int inputSize,
                     List<String> classes, Map<String, Double> metrics, Instant loadedAt, String source,
                     String rankMetric, Double rankValue, String createdAt, String weightsSha256,
                     Map<String, String> libraries, Registered registeredModel, Batching batching) {
    }

    /**
     * @param limit           the largest batch formed for this model: the smallest batch size within 5% of
     *                        the best images/s
     * @param imagesPerSecond one copy's images/s by batch size: every size up to 8, then powers of two
     *                        and {@code inference.max-batch-size}
     * @param quiet           true when no request was in the service while the sizes were timed; a model
     *                        swapped in under load is timed beside its traffic (false), and again once a
     *                        poll interval passes without a request
     */
    record Batching(int limit, Map<Integer, Long> imagesPerSecond, boolean quiet) {
    }

    /** A registered model version, and the alias that named it (null when the URI named the version). */
    record Registered(String name, int version, String alias) {
    }

    @GetMapping("/api/model")
    @Operation(summary = "The model now served, its metrics and when it was loaded (503 until one is)")
    ModelInfo model() {
        ServedModel m = holder.require();
        var d = m.descriptor();
        var c = m.candidate();
        return new ModelInfo(name, m.version(), m.runId(), c.experimentId(), m.architecture(), m.inputSize(),
                m.classNames(), d.metrics(), m.loadedAt(), c.source(), c.rankMetric(), c.rankValue(), d.createdAt(),
                d.weightsSha256(), d.libraries(), c.registeredModel() == null ? null
                        : new Registered(c.registeredModel(), c.modelVersion(), c.alias()),
                m.batchProfile().map(p -> new Batching(p.limit(), p.bySize(), m.profileQuiet())).orElse(null));
    }
}
