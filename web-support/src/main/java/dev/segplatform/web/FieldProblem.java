package dev.segplatform.web;

/**
 * One rejected input in a problem's {@code errors}: the field (a JSON path such as
 * {@code spec.epochs}, a parameter, a header, a part such as {@code images[2]}) and why.
 */
public record FieldProblem(String field, String reason) {
}
