package dev.segplatform.inference.problem;

import dev.segplatform.web.FieldProblem;
import java.util.List;
import org.springframework.http.HttpStatus;

/** 400: a parameter, part or tensor that is well-formed but wrong. */
public class InvalidInputException extends ApiException {

    public InvalidInputException(String field, String reason) {
        super(HttpStatus.BAD_REQUEST, "validation", "Invalid input", field + ": " + reason,
                List.of(new FieldProblem(field, reason)));
    }
}
