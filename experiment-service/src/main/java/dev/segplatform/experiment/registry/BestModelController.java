package dev.segplatform.experiment.registry;

import dev.segplatform.experiment.api.ArtifactInfo;
import dev.segplatform.experiment.api.ArtifactPaths;
import dev.segplatform.experiment.artifact.ArtifactService;
import dev.segplatform.experiment.problem.InvalidInputException;
import dev.segplatform.experiment.problem.NotFoundException;
import dev.segplatform.experiment.run.RunResponse;
import dev.segplatform.experiment.run.RunViews;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

@RestController
@Tag(name = "Models", description = "Which trained model to serve")
class BestModelController {

    private final JdbcClient jdbc;
    private final RunViews views;
    private final ArtifactService artifacts;

    BestModelController(JdbcClient jdbc, RunViews views, ArtifactService artifacts) {
        this.jdbc = jdbc;
        this.views = views;
        this.artifacts = artifacts;
    }

    /**
     * The best model: its run, the value that ranked it, and the bundle to download.
     *
     * @param artifactUrl path of the bundle on this service
     */
    record BestModel(long runId, long experimentId, String metric, String mode, double value,
                     ArtifactInfo artifact, String artifactUrl, RunResponse run) {
    }

    @GetMapping("/api/models/best")
    @Operation(summary = "The succeeded run with the best metric value that has a model bundle")
    // Runs an MLflow client logged count too once FINISHED with a bundle: one platform, one ranking;
    // the inference service verifies any bundle before serving it.
    @Transactional(readOnly = true)
    BestModel best(@RequestParam(required = false) Long experimentId,
                   @RequestParam(defaultValue = "val_mean_iou") String metric,
                   @RequestParam(defaultValue = "max") String mode) {
        if (!mode.equals("max") && !mode.equals("min")) {
            throw new InvalidInputException("mode", "must be max or min");
        }
        // The direction is one of two fixed words, never user text; the rest is bound.
        Long runId = jdbc.sql("""
                        select r.id from run r
                        left join job j on j.run_id = r.id
                        join experiment e on e.id = r.experiment_id
                        join latest_metric m on m.run_id = r.id and m.key = :metric and m.value <> 'NaN'
                        join artifact a on a.run_id = r.id and a.path = :bundle
                        where coalesce(j.status, r.status) = 'SUCCEEDED' and r.deleted_at is null
                          and (cast(:experimentId as bigint) is null and e.deleted_at is null
                               or r.experiment_id = :experimentId)
                        order by m.value %s, r.id desc
                        limit 1""".formatted(mode.equals("max") ? "desc" : "asc"))
                .param("metric", metric)
                .param("bundle", ArtifactPaths.MODEL_BUNDLE)
                .param("experimentId", experimentId, java.sql.Types.BIGINT)
                .query(Long.class)
                .optional()
                .orElseThrow(() -> new NotFoundException("model", "with metric '" + metric + "'"
                        + (experimentId == null ? "" : " in experiment " + experimentId)
                        + " (no succeeded run has both the metric and " + ArtifactPaths.MODEL_BUNDLE + ")"));
        RunResponse run = views.get(runId);
        return new BestModel(runId, run.experimentId(), metric, mode, run.metrics().get(metric).value(),
                artifacts.find(runId, ArtifactPaths.MODEL_BUNDLE).orElseThrow(),
                "/api/runs/" + runId + "/artifacts/" + ArtifactPaths.MODEL_BUNDLE, run);
    }
}
