package dev.segplatform.experiment.mlflow;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.databind.annotation.JsonNaming;

/**
 * MLflow REST API 2.0 bodies, field for field as MLflow's protobuf messages print them: snake_case,
 * ids as strings, times as epoch milliseconds, key/value lists rather than maps. Requests ignore
 * fields they do not know (MLflow's clients send deprecated ones such as {@code run_uuid} beside
 * {@code run_id}, and newer ones this service does not use), as MLflow's server does.
 */
final class MlflowMessages {

    private MlflowMessages() {
    }

    // --- shared shapes ---

    @JsonIgnoreProperties(ignoreUnknown = true)
    record KeyValue(String key, String value) {
    }

    /** One metric point; {@code value} may be NaN or infinite, which JSON carries as "NaN", "Infinity". */
    @JsonIgnoreProperties(ignoreUnknown = true)
    record Metric(String key, Double value, Long timestamp, Long step) {
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Experiment(String experimentId, String name, String artifactLocation, String lifecycleStage,
                      Long lastUpdateTime, Long creationTime, List<KeyValue> tags) {
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record RunInfo(String runId, String runUuid, String runName, String experimentId, String userId, String status,
                   Long startTime, Long endTime, String artifactUri, String lifecycleStage) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record RunData(List<Metric> metrics, List<KeyValue> params, List<KeyValue> tags) {
    }

    /** {@code inputs} (datasets) is always empty here: the platform does not track dataset inputs. */
    record Run(RunInfo info, RunData data, java.util.Map<String, Object> inputs) {
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record FileInfo(String path, boolean isDir, Long fileSize) {
    }

    // --- experiments ---

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonIgnoreProperties(ignoreUnknown = true)
    record CreateExperiment(String name, String artifactLocation, List<KeyValue> tags) {
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    record CreateExperimentResponse(String experimentId) {
    }

    record ExperimentResponse(Experiment experiment) {
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonIgnoreProperties(ignoreUnknown = true)
    record SearchExperiments(Long maxResults, String pageToken, String filter, List<String> orderBy, String viewType) {
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record SearchExperimentsResponse(List<Experiment> experiments, String nextPageToken) {
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonIgnoreProperties(ignoreUnknown = true)
    record ExperimentId(String experimentId) {
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonIgnoreProperties(ignoreUnknown = true)
    record UpdateExperiment(String experimentId, String newName) {
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonIgnoreProperties(ignoreUnknown = true)
    record SetExperimentTag(String experimentId, String key, String value) {
    }

    // --- runs ---

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonIgnoreProperties(ignoreUnknown = true)
    record CreateRun(String experimentId, String userId, Long startTime, List<KeyValue> tags, String runName) {
    }

    record RunResponse(Run run) {
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    record UpdateRunResponse(RunInfo runInfo) {
    }

    /** Any request naming a run: MLflow's clients send {@code run_id}, older ones {@code run_uuid}. */
    interface RunRequest {
        String runId();

        String runUuid();
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonIgnoreProperties(ignoreUnknown = true)
    record UpdateRun(String runId, String runUuid, String status, Long endTime, String runName) implements RunRequest {
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonIgnoreProperties(ignoreUnknown = true)
    record RunId(String runId, String runUuid) implements RunRequest {
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonIgnoreProperties(ignoreUnknown = true)
    record SearchRuns(List<String> experimentIds, String filter, String runViewType, Integer maxResults,
                      List<String> orderBy, String pageToken) {
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record SearchRunsResponse(List<Run> runs, String nextPageToken) {
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonIgnoreProperties(ignoreUnknown = true)
    record LogMetric(String runId, String runUuid, String key, Double value, Long timestamp, Long step)
            implements RunRequest {
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonIgnoreProperties(ignoreUnknown = true)
    record LogParam(String runId, String runUuid, String key, String value) implements RunRequest {
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonIgnoreProperties(ignoreUnknown = true)
    record SetTag(String runId, String runUuid, String key, String value) implements RunRequest {
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonIgnoreProperties(ignoreUnknown = true)
    record DeleteTag(String runId, String runUuid, String key) implements RunRequest {
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonIgnoreProperties(ignoreUnknown = true)
    record LogBatch(String runId, String runUuid, List<Metric> metrics, List<KeyValue> params, List<KeyValue> tags)
            implements RunRequest {
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record MetricHistoryResponse(List<Metric> metrics, String nextPageToken) {
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record ListArtifactsResponse(String rootUri, List<FileInfo> files, String nextPageToken) {
    }

    /** The artifact proxy's listing: paths relative to the listed folder. */
    record ProxyListResponse(List<FileInfo> files) {
    }

    /** MLflow's error body. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    record Error(String errorCode, String message) {
    }
}
