package dev.segplatform.experiment.mlflow;

import dev.segplatform.experiment.api.JobStatus;
import dev.segplatform.experiment.api.MetricPoint;
import dev.segplatform.experiment.experiment.Experiment;
import dev.segplatform.experiment.experiment.ExperimentService;
import dev.segplatform.experiment.limit.InputLimits;
import dev.segplatform.experiment.metric.MetricStore;
import dev.segplatform.experiment.mlflow.MlflowMessages.KeyValue;
import dev.segplatform.experiment.problem.ConflictException;
import dev.segplatform.experiment.run.RunResponse;
import dev.segplatform.experiment.run.RunService;
import dev.segplatform.experiment.run.RunViews;
import dev.segplatform.experiment.run.search.RunSearch;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.springframework.data.domain.Page;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * MLflow's tracking API over the platform's own services: every read and write goes through the
 * same experiment, run, metric and search code as the platform's API, so a run looks the same from
 * both sides. This class only translates (ids, statuses, key/value lists, MLflow's limits and codes).
 */
@Service
class MlflowTracking {

    /** MLflow's per-request limits for log-batch. */
    static final int MAX_BATCH_METRICS = 1000;
    static final int MAX_BATCH_PARAMS = 100;
    static final int MAX_BATCH_TAGS = 100;
    static final int MAX_BATCH_ENTRIES = 1000;
    /** The most runs one search page returns here; MLflow's clients page on with next_page_token. */
    static final int MAX_SEARCH_RESULTS = 1000;
    /** MLflow's default and largest page of a metric's history. */
    static final int MAX_HISTORY_RESULTS = 25000;

    static final String RUN_NAME_TAG = "mlflow.runName";
    static final String USER_TAG = "mlflow.user";
    private static final Pattern METRIC_KEY = Pattern.compile(MetricPoint.KEY_PATTERN);
    private static final Pattern NAME_FILTER = Pattern.compile(
            "^\\s*(?:attributes?\\.)?name\\s*(=|LIKE|ILIKE)\\s*'((?:[^']|'')*)'\\s*$", Pattern.CASE_INSENSITIVE);

    private final ExperimentService experiments;
    private final RunService runs;
    private final RunViews views;
    private final RunSearch search;
    private final MetricStore metrics;
    private final InputLimits limits;
    private final Clock clock;
    /** Set once the Default experiment is known to exist, so later requests skip the check. */
    private volatile boolean defaultExists;

    MlflowTracking(ExperimentService experiments, RunService runs, RunViews views, RunSearch search,
                   MetricStore metrics, InputLimits limits, Clock clock) {
        this.experiments = experiments;
        this.runs = runs;
        this.views = views;
        this.search = search;
        this.metrics = metrics;
        this.limits = limits;
        this.clock = clock;
    }

    // --- experiments ---

    @Transactional
    String createExperiment(MlflowMessages.CreateExperiment request) {
        String name = required(request.name(), "name");
        if (name.isBlank() || name.chars().anyMatch(c -> c < 0x20)) {
            throw MlflowException.invalid("Invalid experiment name: '" + name.replaceAll("\\p{Cntrl}", "?")
                    + "'; it must not be blank or hold control characters");
        }
        if (request.artifactLocation() != null && !request.artifactLocation().isBlank()) {
            throw MlflowException.invalid("artifact_location is not supported: artifacts are stored by the platform "
                    + "and served by its artifact proxy (mlflow-artifacts:/)");
        }
        try {
            return Long.toString(experiments.create(name, map(request.tags(), "tags")).id());
        } catch (ConflictException e) {
            throw new MlflowException(MlflowException.Code.RESOURCE_ALREADY_EXISTS,
                    "Experiment '" + name + "' already exists.");
        }
    }

    @Transactional(readOnly = true)
    MlflowMessages.Experiment getExperiment(String experimentId) {
        return experiment(experiments.get(knownExperiment(experimentId)));
    }

    @Transactional(readOnly = true)
    MlflowMessages.Experiment getExperimentByName(String name) {
        if (ExperimentService.DEFAULT_NAME.equals(name)) {
            ensureDefault();
        }
        return experiments.findByName(required(name, "experiment_name")).map(MlflowTracking::experiment)
                .orElseThrow(() -> new MlflowException(MlflowException.Code.RESOURCE_DOES_NOT_EXIST,
                        "Could not find experiment with name '" + name + "'"));
    }

    /** Name filters only ({@code name = 'x'}, {@code name LIKE 'x%'}, ILIKE), newest first. */
    @Transactional(readOnly = true)
    MlflowMessages.SearchExperimentsResponse searchExperiments(MlflowMessages.SearchExperiments request) {
        int size = (int) Math.min(request.maxResults() == null ? MAX_SEARCH_RESULTS : request.maxResults(),
                MAX_SEARCH_RESULTS);
        if (size < 1) {
            throw MlflowException.invalid("Invalid value " + request.maxResults() + " for parameter 'max_results': "
                    + "it must be at least 1");
        }
        String view = request.viewType() == null ? "ACTIVE_ONLY" : request.viewType().toUpperCase(Locale.ROOT);
        if (!List.of("ACTIVE_ONLY", "DELETED_ONLY", "ALL").contains(view)) {
            throw MlflowException.invalid("Invalid view_type '" + request.viewType() + "'");
        }
        String pattern = null;
        boolean ignoreCase = false;
        if (request.filter() != null && !request.filter().isBlank()) {
            Matcher matcher = NAME_FILTER.matcher(request.filter());
            if (!matcher.matches()) {
                throw MlflowException.invalid("Unsupported experiment filter '" + request.filter()
                        + "': this server filters experiments by name only (name = '...', LIKE, ILIKE)");
            }
            String op = matcher.group(1).toUpperCase(Locale.ROOT);
            String value = matcher.group(2).replace("''", "'");
            pattern = op.equals("=") ? value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") : value;
            ignoreCase = op.equals("ILIKE");
        }
        int page = pageOf(request.pageToken());
        // MLflow always lists its Default experiment; so does this search, once it has been asked for.
        ensureDefault();
        Page<Experiment> result = experiments.search(!view.equals("DELETED_ONLY"), !view.equals("ACTIVE_ONLY"),
                pattern, ignoreCase, page, size);
        String next = result.hasNext() ? token(page + 1) : null;
        return new MlflowMessages.SearchExperimentsResponse(
                result.getContent().stream().map(MlflowTracking::experiment).toList(), next);
    }

    @Transactional
    void renameExperiment(MlflowMessages.UpdateExperiment request) {
        long id = knownExperiment(request.experimentId());
        String name = required(request.newName(), "new_name");
        try {
            experiments.rename(id, name);
        } catch (ConflictException e) {
            throw new MlflowException(MlflowException.Code.RESOURCE_ALREADY_EXISTS,
                    "Experiment '" + name + "' already exists.");
        }
    }

    @Transactional
    void deleteExperiment(String experimentId) {
        experiments.delete(knownExperiment(experimentId));
    }

    @Transactional
    void restoreExperiment(String experimentId) {
        long id = knownExperiment(experimentId);
        try {
            experiments.restore(id);
        } catch (ConflictException e) {
            throw new MlflowException(MlflowException.Code.RESOURCE_ALREADY_EXISTS, e.getMessage());
        }
    }

    @Transactional
    void setExperimentTag(MlflowMessages.SetExperimentTag request) {
        experiments.setTag(knownExperiment(request.experimentId()), required(request.key(), "key"),
                required(request.value(), "value"));
    }

    // --- runs ---

    /**
     * A run without a job: the client trains and logs, the platform records. With no name given it is
     * named after its id, since MLflow's clients expect every run to have one. Without an experiment id
     * it goes to the Default experiment, as MLflow's clients do.
     */
    @Transactional
    MlflowMessages.Run createRun(MlflowMessages.CreateRun request) {
        long experimentId = knownExperiment(request.experimentId() == null || request.experimentId().isBlank()
                ? Long.toString(ExperimentService.DEFAULT_ID) : request.experimentId());
        Map<String, String> tags = new LinkedHashMap<>(map(request.tags(), "tags"));
        String name = request.runName() != null && !request.runName().isBlank() ? request.runName()
                : tags.get(RUN_NAME_TAG);
        if (request.userId() != null && !request.userId().isBlank()) {
            tags.putIfAbsent(USER_TAG, request.userId());
        }
        // The name is the run's own column; the tag MLflow shows is derived from it on the way out.
        tags.remove(RUN_NAME_TAG);
        Instant start = request.startTime() == null ? clock.instant() : Instant.ofEpochMilli(request.startTime());
        RunResponse run;
        try {
            run = runs.createTracked(experimentId, name, tags, start);
        } catch (ConflictException e) {
            // The experiment is deleted: MLflow refuses runs there with this code.
            throw MlflowException.invalid(e.getMessage());
        }
        if (name == null) {
            run = runs.updateTracked(run.id(), "run-" + run.id(), null, null);
        }
        return MlflowViews.run(run);
    }

    @Transactional(readOnly = true)
    MlflowMessages.Run getRun(String runId) {
        return MlflowViews.run(views.get(runId(runId)));
    }

    @Transactional
    MlflowMessages.RunInfo updateRun(MlflowMessages.UpdateRun request) {
        long runId = runId(request);
        JobStatus status = request.status() == null ? null : MlflowViews.platformStatus(request.status());
        Instant end = request.endTime() == null ? null : Instant.ofEpochMilli(request.endTime());
        String name = request.runName() == null || request.runName().isBlank() ? null : request.runName();
        return MlflowViews.run(runs.updateTracked(runId, name, status, end)).info();
    }

    @Transactional
    void deleteRun(MlflowMessages.RunId request) {
        runs.markDeleted(runId(request), true);
    }

    @Transactional
    void restoreRun(MlflowMessages.RunId request) {
        runs.markDeleted(runId(request), false);
    }

    @Transactional(readOnly = true)
    MlflowMessages.SearchRunsResponse searchRuns(MlflowMessages.SearchRuns request) {
        List<Long> experimentIds = new ArrayList<>();
        for (String id : request.experimentIds() == null ? List.<String>of() : request.experimentIds()) {
            experimentIds.add(parseId(id, "experiment_ids"));
        }
        if (experimentIds.isEmpty()) {
            throw MlflowException.missing("experiment_ids");
        }
        if (experimentIds.contains(ExperimentService.DEFAULT_ID)) {
            ensureDefault();
        }
        int max = request.maxResults() == null ? MAX_SEARCH_RESULTS : request.maxResults();
        if (max < 1) {
            throw MlflowException.invalid("Invalid value " + max + " for parameter 'max_results': it must be at least 1");
        }
        List<String> orderBy = request.orderBy() == null ? List.of() : request.orderBy();
        RunSearch.View view;
        try {
            view = request.runViewType() == null ? RunSearch.View.ACTIVE_ONLY
                    : RunSearch.View.valueOf(request.runViewType().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw MlflowException.invalid("Invalid run_view_type '" + request.runViewType() + "'");
        }
        RunSearch.Page page = search.search(new RunSearch.Query(null, experimentIds, null, request.filter(),
                orderBy, Math.min(max, MAX_SEARCH_RESULTS),
                request.pageToken(), view));
        return new MlflowMessages.SearchRunsResponse(page.runs().stream().map(MlflowViews::run).toList(),
                page.nextPageToken());
    }

    @Transactional
    void logMetric(MlflowMessages.LogMetric request) {
        long runId = activeRun(request);
        MlflowMessages.Metric metric = new MlflowMessages.Metric(request.key(), request.value(), request.timestamp(),
                request.step());
        metrics.append(runId, null, List.of(point(metric, "")));
    }

    @Transactional
    void logParam(MlflowMessages.LogParam request) {
        long runId = activeRun(request);
        String key = required(request.key(), "key");
        String value = required(request.value(), "value");
        runs.logParams(runId, null, Map.of(key, value));
    }

    @Transactional
    void setTag(MlflowMessages.SetTag request) {
        long runId = activeRun(request);
        String key = required(request.key(), "key");
        String value = required(request.value(), "value");
        if (key.equals(RUN_NAME_TAG)) {
            // MLflow keeps the run's name and this tag as one value.
            runs.updateTracked(runId, value, null, null);
        } else {
            runs.setTags(runId, Map.of(key, value));
        }
    }

    @Transactional
    void deleteTag(MlflowMessages.DeleteTag request) {
        long runId = activeRun(request);
        runs.deleteTag(runId, required(request.key(), "key"));
    }

    /**
     * Params, tags and metrics in one transaction: every check runs before the first write, and a
     * refusal on the way (a param logged before with another value) rolls back the whole batch.
     */
    @Transactional
    void logBatch(MlflowMessages.LogBatch request) {
        List<MlflowMessages.Metric> metricList = request.metrics() == null ? List.of() : request.metrics();
        List<KeyValue> paramList = request.params() == null ? List.of() : request.params();
        List<KeyValue> tagList = request.tags() == null ? List.of() : request.tags();
        if (metricList.size() > MAX_BATCH_METRICS) {
            throw MlflowException.invalid("A batch logging request can contain at most " + MAX_BATCH_METRICS
                    + " metrics. Got " + metricList.size() + " metrics.");
        }
        if (paramList.size() > MAX_BATCH_PARAMS) {
            throw MlflowException.invalid("A batch logging request can contain at most " + MAX_BATCH_PARAMS
                    + " params. Got " + paramList.size() + " params.");
        }
        if (tagList.size() > MAX_BATCH_TAGS) {
            throw MlflowException.invalid("A batch logging request can contain at most " + MAX_BATCH_TAGS
                    + " tags. Got " + tagList.size() + " tags.");
        }
        int total = metricList.size() + paramList.size() + tagList.size();
        if (total > MAX_BATCH_ENTRIES) {
            throw MlflowException.invalid("A batch logging request can contain at most " + MAX_BATCH_ENTRIES
                    + " metrics, params and tags in total. Got " + total + ".");
        }
        List<MetricPoint> points = new ArrayList<>(metricList.size());
        for (int i = 0; i < metricList.size(); i++) {
            points.add(point(metricList.get(i), "metrics[" + i + "]."));
        }
        Map<String, String> params = new LinkedHashMap<>();
        for (int i = 0; i < paramList.size(); i++) {
            KeyValue param = paramList.get(i);
            String key = required(param == null ? null : param.key(), "params[" + i + "].key");
            String value = required(param.value(), "params[" + i + "].value");
            String earlier = params.putIfAbsent(key, value);
            if (earlier != null && !earlier.equals(value)) {
                throw MlflowException.invalid("Duplicate parameter keys with different values in the batch: '"
                        + key + "'");
            }
        }
        Map<String, String> tags = map(tagList, "tags");
        long runId = activeRun(request);
        limits.params(params);
        limits.tags(tags, "run");
        limits.metricKeys(points.stream().map(MetricPoint::key).toList());
        if (!params.isEmpty()) {
            runs.logParams(runId, null, params);
        }
        if (!tags.isEmpty()) {
            String name = tags.remove(RUN_NAME_TAG);
            if (name != null) {
                runs.updateTracked(runId, name, null, null);
            }
            if (!tags.isEmpty()) {
                runs.setTags(runId, tags);
            }
        }
        if (!points.isEmpty()) {
            metrics.append(runId, null, points);
        }
    }

    /**
     * A page of one metric's points by step, as MLflow pages them: {@code max_results} (at most and by
     * default {@value #MAX_HISTORY_RESULTS}) from where {@code page_token} left off.
     */
    @Transactional(readOnly = true)
    MlflowMessages.MetricHistoryResponse metricHistory(String runId, String key, Integer maxResults,
                                                       String pageToken) {
        String metricKey = required(key, "metric_key");
        int size = maxResults == null ? MAX_HISTORY_RESULTS : maxResults;
        if (size < 1 || size > MAX_HISTORY_RESULTS) {
            throw MlflowException.invalid("Invalid value " + maxResults + " for parameter 'max_results': it must be "
                    + "between 1 and " + MAX_HISTORY_RESULTS);
        }
        int offset = pageOf(pageToken);
        List<MlflowMessages.Metric> points = metrics.history(runId(runId), metricKey, (long) offset, size + 1).stream()
                .map(p -> new MlflowMessages.Metric(metricKey, p.value(), p.timestamp(), p.step()))
                .toList();
        if (points.size() <= size) {
            return new MlflowMessages.MetricHistoryResponse(points, null);
        }
        return new MlflowMessages.MetricHistoryResponse(points.subList(0, size), token(offset + size));
    }

    // --- ids and checks ---

    long runId(MlflowMessages.RunRequest request) {
        String id = request.runId() != null && !request.runId().isBlank() ? request.runId() : request.runUuid();
        return runId(id);
    }

    long runId(String id) {
        if (id == null || id.isBlank()) {
            throw MlflowException.missing("run_id");
        }
        try {
            return Long.parseLong(id.strip());
        } catch (NumberFormatException e) {
            throw new MlflowException(MlflowException.Code.RESOURCE_DOES_NOT_EXIST, "Run with id=" + id + " not found");
        }
    }

    /** An experiment id from a client; MLflow's "0" is the Default experiment, created on first use. */
    private long knownExperiment(String id) {
        long experimentId = experimentId(id);
        if (experimentId == ExperimentService.DEFAULT_ID) {
            ensureDefault();
        }
        return experimentId;
    }

    private void ensureDefault() {
        if (!defaultExists) {
            experiments.ensureDefault();
            defaultExists = true;
        }
    }

    static long experimentId(String id) {
        if (id == null || id.isBlank()) {
            throw MlflowException.missing("experiment_id");
        }
        try {
            return Long.parseLong(id.strip());
        } catch (NumberFormatException e) {
            throw new MlflowException(MlflowException.Code.RESOURCE_DOES_NOT_EXIST,
                    "No Experiment with id=" + id + " exists");
        }
    }

    private static long parseId(String id, String field) {
        try {
            return Long.parseLong(id.strip());
        } catch (RuntimeException e) {
            throw MlflowException.invalid("Invalid value '" + id + "' in '" + field + "': ids are decimal numbers");
        }
    }

    /** MLflow refuses writes to a deleted run ("must be in the 'active' state"). */
    private long activeRun(MlflowMessages.RunRequest request) {
        long runId = runId(request);
        RunResponse run = views.get(runId);
        if (run.deletedAt() != null) {
            throw MlflowException.invalid("The run " + runId + " must be in the 'active' state. "
                    + "Current state is deleted.");
        }
        return runId;
    }

    private static MetricPoint point(MlflowMessages.Metric metric, String field) {
        if (metric == null) {
            throw MlflowException.invalid("Missing value for required parameter '" + field + "metric'");
        }
        String key = required(metric.key(), field + "key");
        if (!METRIC_KEY.matcher(key).matches()) {
            throw MlflowException.invalid("Invalid metric name: '" + key + "'. Names may only contain alphanumerics, "
                    + "underscores (_), dashes (-), periods (.), spaces ( ), and slashes (/).");
        }
        double value = required(metric.value(), field + "value");
        long timestamp = required(metric.timestamp(), field + "timestamp");
        return new MetricPoint(key, value, metric.step() == null ? 0L : metric.step(), timestamp);
    }

    private static Map<String, String> map(List<KeyValue> entries, String field) {
        Map<String, String> map = new LinkedHashMap<>();
        if (entries == null) {
            return map;
        }
        for (int i = 0; i < entries.size(); i++) {
            KeyValue entry = entries.get(i);
            String key = required(entry == null ? null : entry.key(), field + "[" + i + "].key");
            map.put(key, required(entry.value(), field + "[" + i + "].value"));
        }
        return map;
    }

    private static <T> T required(T value, String parameter) {
        if (value == null) {
            throw MlflowException.missing(parameter);
        }
        return value;
    }

    /** A page token: where the next page starts (a page number or an offset, by the endpoint). */
    private static String token(int position) {
        return Base64.getUrlEncoder().withoutPadding()
                .encodeToString(("page:" + position).getBytes(StandardCharsets.UTF_8));
    }

    private static int pageOf(String token) {
        if (token == null || token.isBlank()) {
            return 0;
        }
        try {
            String raw = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
            if (!raw.startsWith("page:")) {
                throw new IllegalArgumentException();
            }
            int position = Integer.parseInt(raw.substring(5));
            if (position < 0) {
                throw new IllegalArgumentException();
            }
            return position;
        } catch (IllegalArgumentException e) {
            throw MlflowException.invalid("Invalid page token");
        }
    }

    private static MlflowMessages.Experiment experiment(Experiment e) {
        return MlflowViews.experiment(e);
    }
}
