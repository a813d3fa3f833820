package dev.segplatform.inference.problem;

/** One rejected input: the field or part ({@code image}, {@code images[2]}, {@code inputs[0].shape}) and why. */
public record FieldProblem(String field, String reason) {
}
