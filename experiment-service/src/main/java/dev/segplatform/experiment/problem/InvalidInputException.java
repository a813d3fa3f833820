package dev.segplatform.experiment.problem;

import dev.segplatform.web.FieldProblem;
import dev.segplatform.web.Problems;
import java.util.List;
import org.springframework.http.HttpStatus;

/** 400: a field or parameter that passed JSON binding but is still wrong. */
public class InvalidInputException extends ApiException {

    public InvalidInputException(String field, String reason) {
        super(HttpStatus.BAD_REQUEST, Problems.VALIDATION, "Invalid input", field + ": " + reason,
                List.of(new FieldProblem(field, reason)));
    }

    /** Several rejected fields at once, so a client can fix them all in one go. */
    public InvalidInputException(List<FieldProblem> errors) {
        super(HttpStatus.BAD_REQUEST, Problems.VALIDATION, "Invalid input", errors.stream()
                .map(error -> error.field() + ": " + error.reason())
                .collect(java.util.stream.Collectors.joining("; ")), errors);
    }
}
