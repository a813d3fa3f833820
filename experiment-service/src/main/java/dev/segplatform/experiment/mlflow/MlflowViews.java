package dev.segplatform.experiment.mlflow;

import dev.segplatform.experiment.api.JobStatus;
import dev.segplatform.experiment.experiment.Experiment;
import dev.segplatform.experiment.mlflow.MlflowMessages.KeyValue;
import dev.segplatform.experiment.run.RunResponse;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The platform's experiments and runs as MLflow shows them. Ids are the platform's decimal ids as
 * strings: stable, and accepted by MLflow's clients, which treat ids as opaque strings.
 */
final class MlflowViews {

    private MlflowViews() {
    }

    /**
     * Where a run's artifacts are for MLflow's clients: the artifact proxy's scheme, which a client
     * resolves against its tracking URI to {@code /api/2.0/mlflow-artifacts/artifacts/<exp>/<run>/artifacts/...}.
     */
    static String artifactUri(long experimentId, long runId) {
        return "mlflow-artifacts:/" + experimentId + "/" + runId + "/artifacts";
    }

    static MlflowMessages.Experiment experiment(Experiment e) {
        List<KeyValue> tags = new TreeMap<>(e.tags()).entrySet().stream()
                .map(t -> new KeyValue(t.getKey(), t.getValue())).toList();
        return new MlflowMessages.Experiment(Long.toString(e.id()), e.name(), "mlflow-artifacts:/" + e.id(),
                e.deleted() ? "deleted" : "active", millis(e.updatedAt()), millis(e.createdAt()), tags);
    }

    /**
     * A run with its latest metrics. A trainer's run gets the {@code mlflow.runName} tag MLflow's
     * clients and UI read its name from; its spec's fields are already its params.
     */
    static MlflowMessages.Run run(RunResponse run) {
        Map<String, String> tags = new TreeMap<>(run.tags());
        if (run.name() != null) {
            tags.put(MlflowTracking.RUN_NAME_TAG, run.name());
        }
        String id = Long.toString(run.id());
        Instant start = run.startedAt() != null ? run.startedAt() : run.createdAt();
        MlflowMessages.RunInfo info = new MlflowMessages.RunInfo(id, id, run.name() == null ? "" : run.name(),
                Long.toString(run.experimentId()), tags.getOrDefault(MlflowTracking.USER_TAG, ""),
                mlflowStatus(run.status()), millis(start), millis(run.endedAt()),
                artifactUri(run.experimentId(), run.id()), run.deletedAt() == null ? "active" : "deleted");
        List<MlflowMessages.Metric> metrics = run.metrics().entrySet().stream()
                .map(m -> new MlflowMessages.Metric(m.getKey(), m.getValue().value(), m.getValue().timestamp(),
                        m.getValue().step()))
                .toList();
        return new MlflowMessages.Run(info, new MlflowMessages.RunData(metrics, pairs(run.params()), pairs(tags)),
                Map.of());
    }

    /** Platform status to MLflow's: a pruned trial was stopped on purpose, as a cancelled run was. */
    static String mlflowStatus(JobStatus status) {
        return switch (status) {
            case QUEUED -> "SCHEDULED";
            case RUNNING -> "RUNNING";
            case SUCCEEDED -> "FINISHED";
            case FAILED -> "FAILED";
            case CANCELLED, PRUNED -> "KILLED";
        };
    }

    static JobStatus platformStatus(String mlflowStatus) {
        return switch (mlflowStatus.toUpperCase(Locale.ROOT)) {
            case "SCHEDULED" -> JobStatus.QUEUED;
            case "RUNNING" -> JobStatus.RUNNING;
            case "FINISHED" -> JobStatus.SUCCEEDED;
            case "FAILED" -> JobStatus.FAILED;
            case "KILLED" -> JobStatus.CANCELLED;
            default -> throw MlflowException.invalid("Invalid run status '" + mlflowStatus
                    + "'; one of RUNNING, SCHEDULED, FINISHED, FAILED, KILLED");
        };
    }

    private static List<KeyValue> pairs(Map<String, String> map) {
        return new TreeMap<>(map).entrySet().stream().map(e -> new KeyValue(e.getKey(), e.getValue())).toList();
    }

    private static Long millis(Instant instant) {
        return instant == null ? null : instant.toEpochMilli();
    }
}
