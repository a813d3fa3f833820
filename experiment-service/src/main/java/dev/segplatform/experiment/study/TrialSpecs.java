package dev.segplatform.experiment.study;

import dev.segplatform.web.FieldProblem;
import dev.segplatform.experiment.api.RunSpec;
import jakarta.validation.ConstraintViolation;
import jakarta.validation.Validator;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.springframework.stereotype.Component;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Builds a trial's run spec: the study's base spec with the suggested values put in, bound and
 * validated exactly as {@code POST /api/experiments/{id}/runs} binds and validates a spec, so a trial
 * never becomes a run that the run endpoint would refuse.
 */
@Component
class TrialSpecs {

    private final JsonMapper json;
    private final Validator validator;

    TrialSpecs(JsonMapper json, Validator validator) {
        this.json = json;
        this.validator = validator;
    }

    /**
     * The spec, or what is wrong with it.
     *
     * @param problems field paths within the spec ({@code learningRate}, {@code dataset.count}) and why
     */
    record Result(RunSpec spec, List<FieldProblem> problems) {

        boolean valid() {
            return problems.isEmpty();
        }

        /** The top-level spec field a problem is about: {@code dataset} for {@code dataset.count}. */
        static String root(FieldProblem problem) {
            String field = problem.field();
            int end = field.length();
            for (char c : new char[] {'.', '['}) {
                int at = field.indexOf(c);
                if (at >= 0) {
                    end = Math.min(end, at);
                }
            }
            return field.substring(0, end);
        }
    }

    Result build(ObjectNode baseSpec, ObjectNode params) {
        ObjectNode merged = baseSpec.deepCopy();
        params.properties().forEach(entry -> merged.set(entry.getKey(), entry.getValue()));
        RunSpec spec;
        try {
            spec = json.treeToValue(merged, RunSpec.class);
        } catch (JacksonException e) {
            String path = e.getPath().stream()
                    .map(ref -> ref.getPropertyName() != null ? ref.getPropertyName() : "[" + ref.getIndex() + "]")
                    .reduce((a, b) -> b.startsWith("[") ? a + b : a + "." + b)
                    .orElse("spec");
            return new Result(null, List.of(new FieldProblem(path, e.getOriginalMessage())));
        }
        List<FieldProblem> problems = new ArrayList<>();
        for (ConstraintViolation<RunSpec> violation : validator.validate(spec)) {
            problems.add(new FieldProblem(violation.getPropertyPath().toString(), violation.getMessage()));
        }
        problems.sort(Comparator.comparing(FieldProblem::field));
        return new Result(problems.isEmpty() ? spec : null, problems);
    }

    ObjectNode tree(RunSpec spec) {
        return json.valueToTree(spec);
    }

    ObjectNode tree(String specJson) {
        JsonNode node = json.readTree(specJson);
        return (ObjectNode) node;
    }
}
