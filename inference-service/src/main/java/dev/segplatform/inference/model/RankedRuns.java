package dev.segplatform.inference.model;

import dev.segplatform.experiment.api.ArtifactInfo;
import dev.segplatform.experiment.api.ArtifactPaths;
import dev.segplatform.experiment.client.ExperimentApiException;
import dev.segplatform.experiment.client.ExperimentClient;
import dev.segplatform.experiment.client.ExperimentUnavailableException;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import java.util.NoSuchElementException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The succeeded runs of the experiment service ranked by a metric, best first, as bundle
 * candidates: what to fall back to when the best run's bundle cannot be loaded.
 * {@code GET /api/models/best} names one run only, so this pages through the run search
 * ({@code GET /api/runs}, status SUCCEEDED, ordered by the metric) and asks each run for its
 * bundle's sha256, which makes the candidate's key. Pages are fetched only as the iteration goes,
 * so a poller that stops at the second candidate costs one page and one artifact list.
 *
 * <p>The search lives here rather than in {@link ExperimentClient} only because that module is
 * shared with the trainer and not this service's to change casually.
 */
final class RankedRuns implements Iterator<ModelCandidate> {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final int PAGE = 10;

    private final ExperimentClient client;
    private final HttpClient http;
    private final Duration timeout;
    private final Long experimentId;
    private final String metric;
    private final String mode;
    private int runsLeft;
    private final Deque<JsonNode> page = new ArrayDeque<>();
    private String pageToken;
    private boolean lastPage;
    private ModelCandidate next;

    /**
     * @param maxRuns how many runs to look at in all, with or without a bundle: a bound on the
     *                requests one poll may make however many runs are broken
     */
    RankedRuns(ExperimentClient client, HttpClient http, Duration timeout, Long experimentId, String metric,
               String mode, int maxRuns) {
        this.client = client;
        this.http = http;
        this.timeout = timeout;
        this.experimentId = experimentId;
        this.metric = metric;
        this.mode = mode;
        this.runsLeft = maxRuns;
    }

    @Override
    public boolean hasNext() {
        while (next == null && runsLeft > 0) {
            if (page.isEmpty()) {
                if (lastPage) {
                    return false;
                }
                fetchPage();
                if (page.isEmpty()) {
                    return false;
                }
            }
            JsonNode run = page.poll();
            runsLeft--;
            next = candidate(run);
        }
        return next != null;
    }

    @Override
    public ModelCandidate next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        ModelCandidate c = next;
        next = null;
        return c;
    }

    /** The run's bundle as a candidate, or null when it has none (yet). */
    private ModelCandidate candidate(JsonNode run) {
        long runId = run.get("id").asLong();
        String sha = client.listArtifacts(runId, "model/").stream()
                .filter(a -> a.path().equals(ArtifactPaths.MODEL_BUNDLE))
                .map(ArtifactInfo::sha256)
                .findFirst().orElse(null);
        if (sha == null) {
            return null;
        }
        JsonNode value = run.path("metrics").path(metric).path("value");
        return new ModelCandidate(BestRunSource.key(runId, sha), "best-run", runId, run.path("experimentId").asLong(),
                metric, value.isNumber() ? value.asDouble() : null, sha);
    }

    private void fetchPage() {
        String operation = "search runs";
        // The metric clause also drops NaN (the search excludes it from metric comparisons), as
        // /api/models/best does; keys are quoted in case a metric name holds unusual characters.
        String key = "metrics.`" + metric + "`";
        StringBuilder query = new StringBuilder("api/runs?status=SUCCEEDED&maxResults=").append(Math.min(PAGE, runsLeft))
                .append("&orderBy=").append(encode(key + (mode.equals("max") ? " DESC" : " ASC")))
                .append("&filter=").append(encode(key + " >= " + -Double.MAX_VALUE));
        if (experimentId != null) {
            query.append("&experimentId=").append(experimentId);
        }
        if (pageToken != null) {
            query.append("&pageToken=").append(encode(pageToken));
        }
        try {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(client.baseUrl() + query.toString()))
                    .timeout(timeout).GET().build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new ExperimentApiException(operation, response.statusCode(), null, response.body());
            }
            JsonNode body = JSON.readTree(response.body());
            body.path("runs").forEach(page::add);
            JsonNode token = body.path("nextPageToken");
            pageToken = token.isString() ? token.asString() : null;
            lastPage = pageToken == null;
        } catch (IOException e) {
            throw new ExperimentUnavailableException(operation, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ExperimentUnavailableException(operation, e);
        }
    }

    private static String encode(String text) {
        return URLEncoder.encode(text, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
