package dev.segplatform.inference;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * Inference settings ({@code inference.*}).
 *
 * <p>Where the model comes from, in order of precedence: {@code bundle-path} (a bundle file, no
 * experiment service needed), {@code run-id} (a pinned run), else the best succeeded run of
 * {@code experiment-id} (or of every experiment) by {@code metric} and {@code mode}. Between the pinned run
 * and the best run: {@code model-uri}, a registered model version by alias or number.
 *
 * @param experimentUrl      base URL of the experiment service that names and stores the model
 * @param runId              serve this run's bundle and never change it; null to follow the best run
 * @param modelUri           {@code models:/<name>@<alias>} (follows the alias: checked every poll, swapped
 *                           when it moves) or {@code models:/<name>/<version>}; null to follow the best run
 * @param experimentId       look for the best run in this experiment only; null for all experiments
 * @param metric             metric that ranks succeeded runs
 * @param mode               {@code max} or {@code min}
 * @param pollInterval       how often to look for a better model (and retry a failed first load)
 * @param bundlePath         serve this bundle file (reloaded when it changes); overrides the rest
 * @param modelDir           where bundles are downloaded to before loading (deleted once loaded);
 *                           {@code java.io.tmpdir/segplatform-inference} when unset
 * @param modelName          the model's name in the KServe v2 protocol ({@code /v2/models/{name}})
 * @param maxBatchSize       images gathered into one forward pass at most (Triton's {@code max_batch_size});
 *                           1 switches dynamic batching off
 * @param maxBatchDelay      how long a batch below its copy's share may wait for requests announced and
 *                           not yet queued, or while another copy is in a pass; a lone request never
 *                           waits (Triton's {@code max_queue_delay_microseconds})
 * @param profileBatchSizes  time one copy of each model loaded at every batch size up to
 *                           {@code max-batch-size} and form no batch larger than the smallest size within
 *                           5% of the best images/s (a larger one only holds its requests longer); false
 *                           forms batches up to {@code max-batch-size} whatever they gain
 * @param queueCapacity      images waiting or in a forward pass at most; beyond it requests get 429
 * @param instances          copies of the model, each run by a batch worker of its own (Triton's instance
 *                           group count); unset: the cores divided by {@code threads-per-instance}, at
 *                           most 8. One per GPU is the sensible value on the CUDA backend.
 * @param threadsPerInstance OpenMP threads of each copy's forward pass (Triton's intra-op threads); 0
 *                           leaves ND4J's default, every core. One thread per copy is fastest on CPUs:
 *                           ND4J splits each op evenly over its threads, which wait for each other
 *                           after every op, so a pass over several cores stalls whenever any of them
 *                           is busy with something else
 * @param retryAfter         the {@code Retry-After} sent with 429 and 503 answers
 * @param requestTimeout     an image not segmented within this time fails with 503 instead of waiting on
 * @param maxUploadSize      largest image accepted (raw body or one multipart file), 413 beyond
 * @param maxPixels          largest image by its header's width x height, checked before decoding, 413 beyond
 * @param maxImagesPerRequest most images in one batch or KServe request
 * @param maxTensorRequestSize largest KServe JSON request body, 413 beyond
 * @param maxCandidates      how far down the ranking of runs a poll looks for a bundle it can load when
 *                           better ones cannot be (corrupt, unverifiable, unknown architecture)
 * @param candidateRetry     how long a candidate whose download failed for a passing reason (experiment
 *                           service unreachable or 5xx) is skipped before it is tried again; a bundle
 *                           that is itself bad is not tried again until its sha256 changes
 */
@ConfigurationProperties("inference")
public record InferenceProperties(
        @DefaultValue("http://localhost:8081") URI experimentUrl,
        Long runId,
        String modelUri,
        Long experimentId,
        @DefaultValue("val_mean_iou") String metric,
        @DefaultValue("max") String mode,
        @DefaultValue("30s") Duration pollInterval,
        Path bundlePath,
        Path modelDir,
        @DefaultValue("segmentation") String modelName,
        @DefaultValue("8") int maxBatchSize,
        @DefaultValue("5ms") Duration maxBatchDelay,
        @DefaultValue("true") boolean profileBatchSizes,
        @DefaultValue("64") int queueCapacity,
        Integer instances,
        @DefaultValue("1") int threadsPerInstance,
        @DefaultValue("1s") Duration retryAfter,
        @DefaultValue("30s") Duration requestTimeout,
        @DefaultValue("10MB") DataSize maxUploadSize,
        @DefaultValue("40000000") long maxPixels,
        @DefaultValue("32") int maxImagesPerRequest,
        @DefaultValue("64MB") DataSize maxTensorRequestSize,
        @DefaultValue("10") int maxCandidates,
        @DefaultValue("5m") Duration candidateRetry) {

    /** The most copies of the model made when {@code instances} is unset: each holds its weights and activations. */
    static final int MAX_DEFAULT_INSTANCES = 8;

    public InferenceProperties {
        if (modelDir == null) {
            modelDir = Path.of(System.getProperty("java.io.tmpdir"), "segplatform-inference");
        }
        if (modelUri != null && !modelUri.matches("^models:/[^/@]+(@[^/@]+|/\\d{1,9})$")) {
            throw new IllegalArgumentException("inference.model-uri must be models:/<name>@<alias> or "
                    + "models:/<name>/<version>, got " + modelUri);
        }
        if (!"max".equals(mode) && !"min".equals(mode)) {
            throw new IllegalArgumentException("inference.mode must be max or min, got " + mode);
        }
        if (maxBatchSize < 1 || queueCapacity < 1 || maxImagesPerRequest < 1 || maxPixels < 1 || maxCandidates < 1) {
            throw new IllegalArgumentException("inference.max-batch-size, queue-capacity, max-images-per-request, "
                    + "max-pixels and max-candidates must be positive");
        }
        if (threadsPerInstance < 0 || (instances != null && instances < 1)) {
            throw new IllegalArgumentException("inference.instances must be positive and inference.threads-per-instance"
                    + " not negative, got " + instances + " and " + threadsPerInstance);
        }
        if (instances == null) {
            int cores = Runtime.getRuntime().availableProcessors();
            instances = Math.min(MAX_DEFAULT_INSTANCES, Math.max(1, threadsPerInstance == 0 ? 1 : cores / threadsPerInstance));
        }
        if (maxImagesPerRequest > queueCapacity) {
            throw new IllegalArgumentException("inference.max-images-per-request (" + maxImagesPerRequest
                    + ") cannot exceed inference.queue-capacity (" + queueCapacity + "): such a request would never fit");
        }
    }
}
