package dev.segplatform.experiment.registry;

import dev.segplatform.experiment.api.ArtifactInfo;
import dev.segplatform.experiment.api.ArtifactPaths;
import dev.segplatform.experiment.artifact.ArtifactService;
import dev.segplatform.experiment.problem.NotFoundException;
import dev.segplatform.experiment.run.RunResponse;
import dev.segplatform.experiment.run.RunViews;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;

/**
 * Which trained model to serve: the succeeded run with the best value of a metric that has a model
 * bundle. Runs an MLflow client logged count too once FINISHED with a bundle: one platform, one
 * ranking; the inference service verifies any bundle before serving it.
 */
@Component
class BestModels {

    private final JdbcClient jdbc;
    private final RunViews views;
    private final ArtifactService artifacts;

    BestModels(JdbcClient jdbc, RunViews views, ArtifactService artifacts) {
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

    /** A run and the value that ranked it: its model's epoch's value ({@code model_metric}), not always the latest. */
    private record Ranked(long runId, double value) {
    }

    /**
     * @param experimentId null: every live experiment
     * @param max          true: the highest value wins, else the lowest
     */
    @Transactional(readOnly = true)
    BestModel best(Long experimentId, String metric, boolean max) {
        // The direction is one of two fixed words, never user text; the rest is bound.
        Ranked ranked = jdbc.sql("""
                        select r.id, m.value from run r
                        left join job j on j.run_id = r.id
                        join experiment e on e.id = r.experiment_id
                        join model_metric m on m.run_id = r.id and m.key = :metric and m.value <> 'NaN'
                        join artifact a on a.run_id = r.id and a.path = :bundle
                        where coalesce(j.status, r.status) = 'SUCCEEDED' and r.deleted_at is null
                          and (cast(:experimentId as bigint) is null and e.deleted_at is null
                               or r.experiment_id = :experimentId)
                        order by m.value %s, r.id desc
                        limit 1""".formatted(max ? "desc" : "asc"))
                .param("metric", metric)
                .param("bundle", ArtifactPaths.MODEL_BUNDLE)
                .param("experimentId", experimentId, java.sql.Types.BIGINT)
                .query((rs, n) -> new Ranked(rs.getLong("id"), rs.getDouble("value")))
                .optional()
                .orElseThrow(() -> new NotFoundException("model", "with metric '" + metric + "'"
                        + (experimentId == null ? "" : " in experiment " + experimentId)
                        + " (no succeeded run has both the metric and " + ArtifactPaths.MODEL_BUNDLE + ")"));
        long runId = ranked.runId();
        RunResponse run = views.get(runId);
        return new BestModel(runId, run.experimentId(), metric, max ? "max" : "min", ranked.value(),
                artifacts.find(runId, ArtifactPaths.MODEL_BUNDLE).orElseThrow(),
                "/api/runs/" + runId + "/artifacts/" + ArtifactPaths.MODEL_BUNDLE, run);
    }
}
