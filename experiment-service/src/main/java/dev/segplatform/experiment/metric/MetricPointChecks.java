package dev.segplatform.experiment.metric;

import dev.segplatform.experiment.api.MetricPoint;
import dev.segplatform.experiment.problem.InvalidInputException;
import dev.segplatform.web.FieldProblem;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The constraints declared on {@link MetricPoint}, checked for a whole batch in one loop with the
 * field names and reasons Bean Validation would give ({@code metrics[3].key}). A batch holds up to
 * a thousand points, and cascading Bean Validation into each of them cost more than writing them.
 */
final class MetricPointChecks {

    private static final Pattern KEY = Pattern.compile(MetricPoint.KEY_PATTERN);
    static final String NOT_NULL = "must not be null";
    static final String NOT_NEGATIVE = "must be greater than or equal to 0";

    private MetricPointChecks() {
    }

    /** Every problem of every point at once, so a client can fix them all in one go. */
    static void check(List<MetricPoint> points) {
        List<FieldProblem> problems = new ArrayList<>();
        for (int i = 0; i < points.size(); i++) {
            MetricPoint point = points.get(i);
            if (point == null) {
                problems.add(new FieldProblem("metrics[" + i + "]", NOT_NULL));
                continue;
            }
            if (point.key() == null) {
                problems.add(new FieldProblem("metrics[" + i + "].key", NOT_NULL));
            } else if (!KEY.matcher(point.key()).matches()) {
                problems.add(new FieldProblem("metrics[" + i + "].key", MetricPoint.KEY_RULE));
            }
            if (point.value() == null) {
                problems.add(new FieldProblem("metrics[" + i + "].value", NOT_NULL));
            }
            if (point.step() != null && point.step() < 0) {
                problems.add(new FieldProblem("metrics[" + i + "].step", NOT_NEGATIVE));
            }
            if (point.timestamp() != null && point.timestamp() < 0) {
                problems.add(new FieldProblem("metrics[" + i + "].timestamp", NOT_NEGATIVE));
            }
        }
        if (!problems.isEmpty()) {
            throw new InvalidInputException(problems);
        }
    }
}
