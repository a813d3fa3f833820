package dev.segplatform.experiment.mlflow;

import io.swagger.v3.oas.annotations.Hidden;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.servlet.http.HttpServletRequest;
import java.util.List;
import java.util.Map;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * MLflow's tracking REST API 2.0, under MLflow's two prefixes: {@code /api/2.0/mlflow} (clients) and
 * {@code /ajax-api/2.0/mlflow} (MLflow's web UI). Reads that carry a body (the searches) are POSTs,
 * as in MLflow; the gateway lets viewers send those.
 */
@RestController
@RequestMapping({"/api/2.0/mlflow", "/ajax-api/2.0/mlflow"})
@Tag(name = "MLflow", description = "MLflow REST API 2.0 (tracking): MLflow's clients log to the platform")
class MlflowTrackingController {

    /** MLflow's writes answer an empty object. */
    private static final Map<String, Object> EMPTY = Map.of();

    private final MlflowTracking tracking;

    MlflowTrackingController(MlflowTracking tracking) {
        this.tracking = tracking;
    }

    // --- experiments ---

    @PostMapping("/experiments/create")
    @Operation(summary = "Create an experiment; its id is the platform's experiment id")
    MlflowMessages.CreateExperimentResponse createExperiment(@RequestBody MlflowMessages.CreateExperiment request) {
        return new MlflowMessages.CreateExperimentResponse(tracking.createExperiment(request));
    }

    @GetMapping("/experiments/get")
    @Operation(summary = "An experiment by id")
    MlflowMessages.ExperimentResponse getExperiment(@RequestParam(name = "experiment_id", required = false) String id) {
        return new MlflowMessages.ExperimentResponse(tracking.getExperiment(id));
    }

    @GetMapping("/experiments/get-by-name")
    @Operation(summary = "An experiment by name: the live one, else the newest deleted one")
    MlflowMessages.ExperimentResponse getExperimentByName(
            @RequestParam(name = "experiment_name", required = false) String name) {
        return new MlflowMessages.ExperimentResponse(tracking.getExperimentByName(name));
    }

    @PostMapping("/experiments/search")
    @Operation(summary = "Search experiments by name (=, LIKE, ILIKE), newest first")
    MlflowMessages.SearchExperimentsResponse searchExperiments(
            @RequestBody MlflowMessages.SearchExperiments request) {
        return tracking.searchExperiments(request);
    }

    @GetMapping("/experiments/search")
    @Operation(summary = "The same search with query parameters")
    MlflowMessages.SearchExperimentsResponse searchExperimentsByQuery(
            @RequestParam(name = "max_results", required = false) Long maxResults,
            @RequestParam(name = "page_token", required = false) String pageToken,
            @RequestParam(required = false) String filter,
            @RequestParam(name = "order_by", required = false) List<String> orderBy,
            @RequestParam(name = "view_type", required = false) String viewType) {
        return tracking.searchExperiments(new MlflowMessages.SearchExperiments(maxResults, pageToken, filter,
                orderBy, viewType));
    }

    @PostMapping("/experiments/update")
    @Operation(summary = "Rename an experiment")
    Map<String, Object> updateExperiment(@RequestBody MlflowMessages.UpdateExperiment request) {
        tracking.renameExperiment(request);
        return EMPTY;
    }

    @PostMapping("/experiments/delete")
    @Operation(summary = "Soft-delete an experiment")
    Map<String, Object> deleteExperiment(@RequestBody MlflowMessages.ExperimentId request) {
        tracking.deleteExperiment(request.experimentId());
        return EMPTY;
    }

    @PostMapping("/experiments/restore")
    @Operation(summary = "Restore a deleted experiment")
    Map<String, Object> restoreExperiment(@RequestBody MlflowMessages.ExperimentId request) {
        tracking.restoreExperiment(request.experimentId());
        return EMPTY;
    }

    @PostMapping("/experiments/set-experiment-tag")
    @Operation(summary = "Set an experiment's tag")
    Map<String, Object> setExperimentTag(@RequestBody MlflowMessages.SetExperimentTag request) {
        tracking.setExperimentTag(request);
        return EMPTY;
    }

    // --- runs ---

    @PostMapping("/runs/create")
    @Operation(summary = "Create a run the client trains itself: no job, RUNNING from start_time")
    MlflowMessages.RunResponse createRun(@RequestBody MlflowMessages.CreateRun request) {
        return new MlflowMessages.RunResponse(tracking.createRun(request));
    }

    @GetMapping("/runs/get")
    @Operation(summary = "A run: info, params, tags and the latest value of each metric")
    MlflowMessages.RunResponse getRun(@RequestParam(name = "run_id", required = false) String runId,
                                      @RequestParam(name = "run_uuid", required = false) String runUuid) {
        return new MlflowMessages.RunResponse(tracking.getRun(runId != null && !runId.isBlank() ? runId : runUuid));
    }

    @PostMapping("/runs/update")
    @Operation(summary = "End or rename a run; a trainer's run changes status only through its job")
    MlflowMessages.UpdateRunResponse updateRun(@RequestBody MlflowMessages.UpdateRun request) {
        return new MlflowMessages.UpdateRunResponse(tracking.updateRun(request));
    }

    @PostMapping("/runs/delete")
    @Operation(summary = "Soft-delete a run")
    Map<String, Object> deleteRun(@RequestBody MlflowMessages.RunId request) {
        tracking.deleteRun(request);
        return EMPTY;
    }

    @PostMapping("/runs/restore")
    @Operation(summary = "Restore a deleted run")
    Map<String, Object> restoreRun(@RequestBody MlflowMessages.RunId request) {
        tracking.restoreRun(request);
        return EMPTY;
    }

    @PostMapping("/runs/search")
    @Operation(summary = "Search runs with MLflow's filter grammar (AND), order_by keys, keyset pages")
    MlflowMessages.SearchRunsResponse searchRuns(@RequestBody MlflowMessages.SearchRuns request) {
        return tracking.searchRuns(request);
    }

    @PostMapping("/runs/log-metric")
    @Operation(summary = "Log one metric point; NaN and infinities are kept")
    Map<String, Object> logMetric(@RequestBody MlflowMessages.LogMetric request) {
        tracking.logMetric(request);
        return EMPTY;
    }

    @PostMapping("/runs/log-parameter")
    @Operation(summary = "Log a param; a key is written once")
    Map<String, Object> logParam(@RequestBody MlflowMessages.LogParam request) {
        tracking.logParam(request);
        return EMPTY;
    }

    @PostMapping("/runs/set-tag")
    @Operation(summary = "Set a run's tag")
    Map<String, Object> setTag(@RequestBody MlflowMessages.SetTag request) {
        tracking.setTag(request);
        return EMPTY;
    }

    @PostMapping("/runs/delete-tag")
    @Operation(summary = "Delete a run's tag")
    Map<String, Object> deleteTag(@RequestBody MlflowMessages.DeleteTag request) {
        tracking.deleteTag(request);
        return EMPTY;
    }

    @PostMapping("/runs/log-batch")
    @Operation(summary = "Log up to 1000 metrics, 100 params and 100 tags at once, all or nothing")
    Map<String, Object> logBatch(@RequestBody MlflowMessages.LogBatch request) {
        tracking.logBatch(request);
        return EMPTY;
    }

    @GetMapping("/metrics/get-history")
    @Operation(summary = "One metric's points by step, in pages of max_results (25000 at most)")
    MlflowMessages.MetricHistoryResponse metricHistory(
            @RequestParam(name = "run_id", required = false) String runId,
            @RequestParam(name = "run_uuid", required = false) String runUuid,
            @RequestParam(name = "metric_key", required = false) String key,
            @RequestParam(name = "max_results", required = false) Integer maxResults,
            @RequestParam(name = "page_token", required = false) String pageToken) {
        return tracking.metricHistory(runId != null && !runId.isBlank() ? runId : runUuid, key, maxResults, pageToken);
    }

    /** MLflow answers endpoints it does not have with its own code; so does this prefix. */
    @RequestMapping("/**")
    @Hidden
    Map<String, Object> unknown(HttpServletRequest request) {
        throw new MlflowException(MlflowException.Code.ENDPOINT_NOT_FOUND,
                "No endpoint " + request.getMethod() + " " + request.getRequestURI() + " on this server");
    }
}
