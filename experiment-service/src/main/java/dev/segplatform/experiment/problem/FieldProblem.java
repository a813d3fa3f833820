package dev.segplatform.experiment.problem;

/** One rejected input: the field (a JSON path such as {@code spec.epochs}, or a parameter) and why. */
public record FieldProblem(String field, String reason) {
}
