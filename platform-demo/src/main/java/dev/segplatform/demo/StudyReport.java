package dev.segplatform.demo;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import tools.jackson.databind.JsonNode;

/** A study as sentences and a table, read from the study's fields as {@code GET /api/studies/{id}} answers them. */
final class StudyReport {

    private static final List<String> ENDED = List.of("SUCCEEDED", "PRUNED", "FAILED", "CANCELLED");

    private StudyReport() {
    }

    /** Such as "study finished: 4 of 4 trials (3 succeeded, 1 pruned)". */
    static String status(JsonNode study) {
        int max = study.path("maxTrials").asInt();
        int ended = 0;
        List<String> parts = new ArrayList<>();
        for (String state : ENDED) {
            int count = study.path("trialCounts").path(state).asInt(0);
            ended += count;
            if (count > 0) {
                parts.add(count + " " + state.toLowerCase(Locale.ROOT));
            }
        }
        String counts = parts.isEmpty() ? "" : " (" + String.join(", ", parts) + ")";
        String message = study.path("message").asString("");
        return switch (study.path("status").asString("")) {
            case "RUNNING" -> "study running: %d of %d trials ended%s, %d running".formatted(ended, max, counts,
                    study.path("trialCounts").path("RUNNING").asInt(0));
            case "COMPLETED" -> "study finished: %d of %d %s%s".formatted(ended, max, max == 1 ? "trial" : "trials", counts);
            case "STOPPED" -> "study stopped after %d of %d trials%s".formatted(ended, max, counts);
            case "FAILED" -> "study failed after %d of %d trials%s%s".formatted(ended, max, counts,
                    message.isBlank() ? "" : ": " + message);
            default -> "study " + study.path("status").asString("in an unknown state");
        };
    }

    /** One trial that ended, such as "trial 2 pruned at epoch 1: learningRate 0.0031, batchSize 8; val_mean_iou 0.210". */
    static String trialEnded(JsonNode trial, String metric) {
        JsonNode objective = trial.path("objective");
        String result = objective.isNumber()
                ? "; %s %s".formatted(metric, decimal(objective.asDouble()))
                : trial.path("message").asString("").isBlank() ? "" : "; " + trial.path("message").asString();
        return "trial %d %s at epoch %d: %s%s".formatted(trial.path("number").asInt(),
                trial.path("state").asString().toLowerCase(Locale.ROOT), trial.path("step").asLong(0),
                params(trial.path("params")), result);
    }

    /** Such as "Best trial: 3 (learningRate 0.0123, batchSize 16) with val_mean_iou 0.512 at epoch 2, run 17." */
    static String best(JsonNode study) {
        JsonNode best = study.path("bestTrial");
        if (best.isMissingNode() || best.isNull()) {
            return "No best trial: no trial succeeded with a value of " + metric(study) + ".";
        }
        return "Best trial: %d (%s) with %s %s at epoch %d, run %d.".formatted(best.path("number").asInt(),
                params(best.path("params")), metric(study), decimal(best.path("objective").asDouble()),
                best.path("step").asLong(), best.path("runId").asLong());
    }

    /** Every trial: number, state, one column per searched field, the objective. */
    static List<String> table(JsonNode study, String indent) {
        Set<String> fields = new LinkedHashSet<>();
        for (JsonNode trial : study.path("trials")) {
            fields.addAll(trial.path("params").propertyNames());
        }
        List<String> header = new ArrayList<>(List.of("trial", "state"));
        header.addAll(fields);
        header.add(metric(study));
        TextTable table = new TextTable(header.toArray(String[]::new));
        for (JsonNode trial : study.path("trials")) {
            List<String> row = new ArrayList<>(List.of(Integer.toString(trial.path("number").asInt()),
                    trial.path("state").asString().toLowerCase(Locale.ROOT)));
            for (String field : fields) {
                JsonNode value = trial.path("params").path(field);
                row.add(value.isMissingNode() ? "-" : value(value));
            }
            JsonNode objective = trial.path("objective");
            row.add(objective.isNumber() ? decimal(objective.asDouble()) : "-");
            table.row(row.toArray(String[]::new));
        }
        return table.lines(indent);
    }

    static String metric(JsonNode study) {
        return study.path("objective").path("metric").asString("objective");
    }

    /** "learningRate 0.0123, batchSize 16". */
    static String params(JsonNode params) {
        List<String> parts = new ArrayList<>();
        for (var field : params.properties()) {
            parts.add(field.getKey() + " " + value(field.getValue()));
        }
        return String.join(", ", parts);
    }

    private static String value(JsonNode value) {
        if (value.isIntegralNumber()) {
            return Long.toString(value.asLong());
        }
        if (value.isNumber()) {
            return String.format(Locale.ROOT, "%.3g", value.asDouble());
        }
        return value.isString() ? value.asString() : value.toString();
    }

    private static String decimal(double value) {
        return String.format(Locale.ROOT, "%.3f", value);
    }
}
