package dev.segplatform.inference.problem;

import dev.segplatform.web.FieldProblem;
import java.util.List;
import org.springframework.http.HttpStatus;

/** 406: the {@code Accept} header names no representation the endpoint can produce. */
public class NotAcceptableException extends ApiException {

    public NotAcceptableException(String accept, String offered) {
        super(HttpStatus.NOT_ACCEPTABLE, "not-acceptable", "Not acceptable",
                "cannot answer '" + accept + "'; this endpoint offers " + offered,
                List.of(new FieldProblem("Accept", "none of " + offered)));
    }
}
