package dev.segplatform.experiment.run.search;

import dev.segplatform.experiment.api.JobStatus;
import dev.segplatform.experiment.problem.InvalidInputException;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The run attributes a filter or ordering may name, each bound to a fixed column. This whitelist is
 * what keeps identifiers out of SQL: a name not listed here is a 400, never a column reference.
 * Times compare against epoch milliseconds, as in MLflow.
 */
enum RunAttribute {
    // A run without a job (an MLflow client's) keeps its status and times on the run row.
    STATUS("coalesce(j.status, r.status)", "text", Kind.STATUS, false, "status"),
    NAME("r.name", "text", Kind.TEXT, false, "name", "run_name"),
    RUN_ID("r.id", "bigint", Kind.NUMBER, true, "run_id", "id"),
    EXPERIMENT_ID("r.experiment_id", "bigint", Kind.NUMBER, true, "experiment_id"),
    ATTEMPT("coalesce(j.attempt, 0)", "integer", Kind.NUMBER, true, "attempt"),
    CREATED_TIME("r.created_at", "timestamptz", Kind.TIME, true, "created_time", "created"),
    START_TIME("coalesce(j.started_at, r.started_at)", "timestamptz", Kind.TIME, false, "start_time"),
    END_TIME("coalesce(j.ended_at, r.ended_at)", "timestamptz", Kind.TIME, false, "end_time");

    enum Kind { STATUS, TEXT, NUMBER, TIME }

    /**
     * MLflow's run statuses and the platform's they stand for, so a filter written for MLflow
     * ({@code attributes.status = 'FINISHED'}) finds the same runs here; KILLED covers both ways a
     * run is stopped on purpose.
     */
    static final java.util.Map<String, List<String>> MLFLOW_STATUSES = java.util.Map.of(
            "SCHEDULED", List.of("QUEUED"), "FINISHED", List.of("SUCCEEDED"), "KILLED", List.of("CANCELLED", "PRUNED"));

    /** The platform statuses a filter's status values name. */
    static List<String> platformStatuses(List<String> values) {
        return values.stream().map(v -> v.toUpperCase(Locale.ROOT))
                .flatMap(v -> MLFLOW_STATUSES.getOrDefault(v, List.of(v)).stream()).distinct().toList();
    }

    final String column;
    final String sqlType;
    final Kind kind;
    /** Never null (a not-null column, or a coalesce with a constant), so a sort by it needs no null handling. */
    final boolean present;
    private final List<String> names;

    RunAttribute(String column, String sqlType, Kind kind, boolean present, String... names) {
        this.column = column;
        this.sqlType = sqlType;
        this.kind = kind;
        this.present = present;
        this.names = List.of(names);
    }

    static boolean isName(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        return Arrays.stream(values()).anyMatch(a -> a.names.contains(lower));
    }

        static RunAttribute of(String name, String field) {
        String lower = name.toLowerCase(Locale.ROOT);
        return Arrays.stream(values()).filter(a -> a.names.contains(lower)).findFirst()
                .orElseThrow(() -> new InvalidInputException(field, "unknown attribute '" + name + "'; known: "
                        + Arrays.stream(values()).map(a -> a.names.get(0)).collect(Collectors.joining(", "))));
    }

    void check(Filter.Clause clause, String field) {
        boolean number = clause.value() instanceof Filter.Number;
        boolean ok = switch (kind) {
            case NUMBER, TIME -> number && clause.op() != Filter.Op.LIKE && clause.op() != Filter.Op.ILIKE;
            case TEXT -> !number && !clause.op().ordering();
            case STATUS -> !number && (clause.op() == Filter.Op.EQ || clause.op() == Filter.Op.NE
                    || clause.op() == Filter.Op.IN || clause.op() == Filter.Op.NOT_IN);
        };
        if (!ok) {
            throw new InvalidInputException(field, "attributes." + names.get(0) + switch (kind) {
                case NUMBER -> " compares with a number";
                case TIME -> " compares with epoch milliseconds";
                case TEXT -> " compares with a quoted string using =, !=, LIKE, ILIKE, IN or NOT IN";
                case STATUS -> " compares with a quoted status using =, !=, IN or NOT IN";
            });
        }
        if (kind == Kind.STATUS) {
            List<String> statuses = clause.value() instanceof Filter.TextList list ? list.values()
                    : List.of(((Filter.Text) clause.value()).value());
            for (String status : statuses) {
                if (Arrays.stream(JobStatus.values()).noneMatch(s -> s.name().equalsIgnoreCase(status))
                        && !MLFLOW_STATUSES.containsKey(status.toUpperCase(Locale.ROOT))) {
                    throw new InvalidInputException(field, "unknown status '" + status + "'; known: "
                            + Arrays.toString(JobStatus.values()) + " and MLflow's " + MLFLOW_STATUSES.keySet());
                }
            }
        }
    }
}
