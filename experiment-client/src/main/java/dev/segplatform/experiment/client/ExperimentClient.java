package dev.segplatform.experiment.client;

import dev.segplatform.experiment.api.ArtifactInfo;
import dev.segplatform.experiment.api.ArtifactPaths;
import dev.segplatform.experiment.api.BestModel;
import dev.segplatform.experiment.api.ClaimRequest;
import dev.segplatform.experiment.api.CompleteRequest;
import dev.segplatform.experiment.api.HeartbeatRequest;
import dev.segplatform.experiment.api.HeartbeatResponse;
import dev.segplatform.experiment.api.InternalAuth;
import dev.segplatform.experiment.api.JobClaim;
import dev.segplatform.experiment.api.MetricBatch;
import dev.segplatform.experiment.api.MetricHistory;
import dev.segplatform.experiment.api.MetricPoint;
import dev.segplatform.experiment.api.ReleaseRequest;
import dev.segplatform.experiment.api.ResolvedModel;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Supplier;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A typed client of the experiment service over plain JDK HTTP, for trainers, the inference
 * service and tools. Errors surface as {@link ExperimentApiException} (the service said no) or
 * {@link ExperimentUnavailableException} (it could not be reached), so callers can tell a lost
 * lease from a network blip.
 */
public final class ExperimentClient {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final int METRICS_PER_CALL = 1000;

    private final URI base;
    private final HttpClient http;
    private final Duration timeout;
    private final Supplier<String> internalToken;

    /** A client for tracking, registry and artifacts; the job protocol needs a token (see below). */
    public ExperimentClient(URI base) {
        this(base, Duration.ofSeconds(30));
    }

    public ExperimentClient(URI base, Duration timeout) {
        this(base, timeout, () -> null);
    }

    /** A worker's client: job protocol calls carry {@code internalToken} in {@link InternalAuth#HEADER}. */
    public ExperimentClient(URI base, String internalToken) {
        this(base, Duration.ofSeconds(30), () -> internalToken);
    }

    /**
     * @param internalToken asked on every job protocol call, so a token that only appears later (a file
     *                      the experiment service writes at its first start) is picked up; null sends none
     */
    public ExperimentClient(URI base, Duration timeout, Supplier<String> internalToken) {
        this.base = URI.create(base.toString().replaceAll("/+$", "") + "/");
        this.timeout = timeout;
        this.internalToken = internalToken;
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    }

    public URI baseUrl() {
        return base;
    }

    // --- job protocol -------------------------------------------------------------------------

    /** The oldest queued job this worker can run, or empty when the queue has none. */
    public Optional<JobClaim> claim(ClaimRequest request) {
        HttpResponse<String> response = send("claim", internal(post("api/jobs/claim", request)));
        return response.statusCode() == 204 ? Optional.empty() : Optional.of(read(response, JobClaim.class));
    }

    public HeartbeatResponse heartbeat(long jobId, HeartbeatRequest request) {
        return read(send("heartbeat", internal(post("api/jobs/" + jobId + "/heartbeat", request))), HeartbeatResponse.class);
    }

    public void complete(long jobId, CompleteRequest request) {
        send("complete", internal(post("api/jobs/" + jobId + "/complete", request)));
    }

    public void release(long jobId, ReleaseRequest request) {
        send("release", internal(post("api/jobs/" + jobId + "/release", request)));
    }

    // --- tracking -----------------------------------------------------------------------------

    /** Appends points, in calls of at most 1000 (each call all-or-none). */
    public void logMetrics(long runId, UUID leaseToken, List<MetricPoint> points) {
        for (int from = 0; from < points.size(); from += METRICS_PER_CALL) {
            List<MetricPoint> chunk = points.subList(from, Math.min(points.size(), from + METRICS_PER_CALL));
            send("log metrics", withLease(post("api/runs/" + runId + "/metrics", new MetricBatch(chunk)), leaseToken));
        }
    }

    public void logParams(long runId, UUID leaseToken, Map<String, String> params) {
        send("log params", withLease(post("api/runs/" + runId + "/params", Map.of("params", params)), leaseToken));
    }

    /** Any key, '/' and all: it travels as a query parameter, which no path normalisation touches. */
    public MetricHistory metricHistory(long runId, String key) {
        return read(send("metric history", get("api/runs/" + runId + "/metrics?key=" + encode(key))), MetricHistory.class);
    }

    /** A run as JSON (status, params, metrics, progress...). */
    public JsonNode run(long runId) {
        return JSON.readTree(send("get run", get("api/runs/" + runId)).body());
    }

    // --- model registry -----------------------------------------------------------------------

    /**
     * The best servable run by {@code metric} ({@code mode} {@code max} or {@code min}), in one
     * experiment or, with a null {@code experimentId}, in all; empty when no succeeded run has both
     * the metric and a model bundle.
     */
    public Optional<BestModel> bestModel(Long experimentId, String metric, String mode) {
        String query = "?metric=" + encode(metric) + "&mode=" + encode(mode)
                + (experimentId == null ? "" : "&experimentId=" + experimentId);
        try {
            return Optional.of(read(send("best model", get("api/models/best" + query)), BestModel.class));
        } catch (ExperimentApiException e) {
            if (e.status() == 404) {
                return Optional.empty();
            }
            throw e;
        }
    }

    // --- artifacts ----------------------------------------------------------------------------

    /** Streams a file to the run's artifact store; it becomes visible once complete. */
    /** The registered version a model URI names now, or empty when the model, version or alias does not exist. */
    public Optional<ResolvedModel> resolveModel(String modelUri) {
        try {
            return Optional.of(read(send("resolve model", get("api/models/resolve?uri=" + encode(modelUri))),
                    ResolvedModel.class));
        } catch (ExperimentApiException e) {
            if (e.status() == 404) {
                return Optional.empty();
            }
            throw e;
        }
    }

    public ArtifactInfo uploadArtifact(long runId, String path, UUID leaseToken, Path file, String contentType) {
        try {
            HttpRequest.Builder request = request("api/runs/" + runId + "/artifacts/" + encodePath(path))
                    .header("Content-Type", contentType)
                    .PUT(HttpRequest.BodyPublishers.ofFile(file));
            return read(send("upload " + path, withLease(request, leaseToken)), ArtifactInfo.class);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot read " + file, e);
        }
    }

    public List<ArtifactInfo> listArtifacts(long runId, String prefix) {
        String query = prefix == null ? "" : "?prefix=" + encode(prefix);
        return List.of(read(send("list artifacts", get("api/runs/" + runId + "/artifacts" + query)), ArtifactInfo[].class));
    }

    /**
     * Downloads an artifact to {@code target}, checking its sha256 against the service's record;
     * the file appears only when complete and correct.
     */
    public void downloadArtifact(long runId, String path, Path target) {
        String operation = "download " + path;
        try {
            HttpResponse<InputStream> response = http.send(get("api/runs/" + runId + "/artifacts/" + encodePath(path))
                    .build(), HttpResponse.BodyHandlers.ofInputStream());
            if (response.statusCode() != 200) {
                String body = new String(response.body().readAllBytes(), StandardCharsets.UTF_8);
                throw failure(operation, response.statusCode(), body);
            }
            String expected = response.headers().firstValue("X-Checksum-Sha256").orElse(null);
            Path temp = Files.createTempFile(target.toAbsolutePath().getParent(), ".download-", ".part");
            try {
                MessageDigest digest = MessageDigest.getInstance("SHA-256");
                try (InputStream in = new DigestInputStream(response.body(), digest)) {
                    Files.copy(in, temp, StandardCopyOption.REPLACE_EXISTING);
                }
                String actual = HexFormat.of().formatHex(digest.digest());
                if (expected != null && !expected.equals(actual)) {
                    throw new IllegalStateException(operation + ": sha256 " + actual + " differs from the recorded "
                            + expected);
                }
                Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } finally {
                Files.deleteIfExists(temp);
            }
        } catch (IOException e) {
            throw new ExperimentUnavailableException(operation, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ExperimentUnavailableException(operation, e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    // --- plumbing -----------------------------------------------------------------------------

    private HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(base.resolve(path)).timeout(timeout);
    }

    private HttpRequest.Builder get(String path) {
        return request(path).GET();
    }

    private HttpRequest.Builder post(String path, Object body) {
        return request(path).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
    }

    /** Only the job protocol gets the token: the secret travels no further than it must. */
    private HttpRequest.Builder internal(HttpRequest.Builder request) {
        String token = internalToken.get();
        return token == null ? request : request.header(InternalAuth.HEADER, token);
    }

    private static HttpRequest.Builder withLease(HttpRequest.Builder request, UUID leaseToken) {
        return leaseToken == null ? request : request.header(ArtifactPaths.LEASE_TOKEN_HEADER, leaseToken.toString());
    }

    private HttpResponse<String> send(String operation, HttpRequest.Builder request) {
        try {
            HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() >= 400) {
                throw failure(operation, response.statusCode(), response.body());
            }
            return response;
        } catch (IOException e) {
            throw new ExperimentUnavailableException(operation, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ExperimentUnavailableException(operation, e);
        }
    }

    private static ExperimentApiException failure(String operation, int status, String body) {
        String type = null;
        String detail = body;
        try {
            JsonNode problem = JSON.readTree(body);
            type = problem.path("type").asString(null);
            detail = problem.path("detail").asString(body);
        } catch (RuntimeException notJson) {
            // Not a problem detail (a proxy's error page, say); keep the raw text as the detail.
        }
        return new ExperimentApiException(operation, status, type, detail);
    }

    private static <T> T read(HttpResponse<String> response, Class<T> type) {
        return JSON.readValue(response.body(), type);
    }

    private static String encode(String text) {
        return URLEncoder.encode(text, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static String encodePath(String path) {
        return String.join("/", java.util.Arrays.stream(path.split("/")).map(ExperimentClient::encode).toList());
    }
}
