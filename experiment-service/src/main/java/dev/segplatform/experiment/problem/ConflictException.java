package dev.segplatform.experiment.problem;

import java.util.List;
import org.springframework.http.HttpStatus;

/** 409: the request is well-formed but clashes with the current state. */
public class ConflictException extends ApiException {

    public ConflictException(String detail) {
        super(HttpStatus.CONFLICT, "conflict", "Conflict", detail, List.of());
    }

    protected ConflictException(String kind, String title, String detail) {
        super(HttpStatus.CONFLICT, kind, title, detail, List.of());
    }
}
