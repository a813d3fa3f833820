package dev.segplatform.experiment.limit;

import dev.segplatform.web.FieldProblem;
import dev.segplatform.experiment.config.ExperimentProperties;
import dev.segplatform.experiment.problem.InvalidInputException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.springframework.stereotype.Component;

/**
 * The size limits of {@code experiment.limits}, checked before anything is written. Unbounded tags
 * once let one request store 300,000 of them and slowed every later listing; each check here names
 * the field and the limit, and reports every offending field at once.
 */
@Component
public class InputLimits {

    private static final int SHOWN_KEY = 40;

    private final ExperimentProperties.Limits limits;

    InputLimits(ExperimentProperties properties) {
        this.limits = properties.limits();
    }

    public ExperimentProperties.Limits limits() {
        return limits;
    }

    /** A name (experiment, run, study); null is left to the caller's own rules. */
    public void name(String field, String name) {
        List<FieldProblem> problems = new ArrayList<>();
        checkName(field, name, problems);
        throwIfAny(problems);
    }

    /** Tags sent in one request, together with the name of the same request. */
    public void nameAndTags(String nameField, String name, Map<String, String> tags, String entity) {
        List<FieldProblem> problems = new ArrayList<>();
        checkName(nameField, name, problems);
        checkTags(tags, entity, problems);
        throwIfAny(problems);
    }

    /** Tags sent in one request. */
    public void tags(Map<String, String> tags, String entity) {
        List<FieldProblem> problems = new ArrayList<>();
        checkTags(tags, entity, problems);
        throwIfAny(problems);
    }

    /** The tags an entity would have after a change: the per-entity cap holds for the total too. */
    public void tagTotal(int total, String entity) {
        if (total > limits.tagsPerEntity()) {
            throw new InvalidInputException("tags", "a " + entity + " has at most " + limits.tagsPerEntity()
                    + " tags; this change would give it " + total);
        }
    }

    public void params(Map<String, String> params) {
        List<FieldProblem> problems = new ArrayList<>();
        if (params.size() > limits.paramsPerRequest()) {
            problems.add(new FieldProblem("params", "at most " + limits.paramsPerRequest()
                    + " params per request; got " + params.size()));
        } else {
            params.forEach((key, value) -> {
                if (key != null && key.length() > limits.paramKeyLength()) {
                    problems.add(new FieldProblem("params", "key '" + shown(key) + "' is " + key.length()
                            + " characters; at most " + limits.paramKeyLength()));
                }
                if (value != null && value.length() > limits.paramValueLength()) {
                    problems.add(new FieldProblem("params." + shown(key), "value is " + value.length()
                            + " characters; at most " + limits.paramValueLength()));
                }
            });
        }
        throwIfAny(problems);
    }

    /** Metric keys by their position in the batch ({@code metrics[3].key}). */
    public void metricKeys(List<String> keys) {
        List<FieldProblem> problems = new ArrayList<>();
        for (int i = 0; i < keys.size(); i++) {
            String key = keys.get(i);
            if (key != null && key.length() > limits.metricKeyLength()) {
                problems.add(new FieldProblem("metrics[" + i + "].key", "is " + key.length()
                        + " characters; at most " + limits.metricKeyLength()));
            }
        }
        throwIfAny(problems);
    }

    private void checkName(String field, String name, List<FieldProblem> problems) {
        if (name != null && name.length() > limits.nameLength()) {
            problems.add(new FieldProblem(field, "is " + name.length() + " characters; at most "
                    + limits.nameLength()));
        }
    }

    private void checkTags(Map<String, String> tags, String entity, List<FieldProblem> problems) {
        if (tags == null) {
            return;
        }
        if (tags.size() > limits.tagsPerEntity()) {
            // One problem, not one per tag: the count alone settles it.
            problems.add(new FieldProblem("tags", "a " + entity + " has at most " + limits.tagsPerEntity()
                    + " tags; got " + tags.size()));
            return;
        }
        tags.forEach((key, value) -> {
            if (key != null && key.length() > limits.tagKeyLength()) {
                problems.add(new FieldProblem("tags", "key '" + shown(key) + "' is " + key.length()
                        + " characters; at most " + limits.tagKeyLength()));
            }
            if (value != null && value.length() > limits.tagValueLength()) {
                problems.add(new FieldProblem("tags." + shown(key), "value is " + value.length()
                        + " characters; at most " + limits.tagValueLength()));
            }
        });
    }

    /** Enough of a key to recognise it, without echoing a megabyte back. */
    private static String shown(String key) {
        return key == null || key.length() <= SHOWN_KEY ? String.valueOf(key) : key.substring(0, SHOWN_KEY) + "...";
    }

    private static void throwIfAny(List<FieldProblem> problems) {
        if (!problems.isEmpty()) {
            throw new InvalidInputException(problems.size() > 20 ? problems.subList(0, 20) : problems);
        }
    }
}
