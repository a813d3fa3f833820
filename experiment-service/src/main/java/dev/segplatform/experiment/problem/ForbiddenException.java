package dev.segplatform.experiment.problem;

import java.util.List;
import org.springframework.http.HttpStatus;

/** 403: a credential was sent, but it is not the right one. */
public class ForbiddenException extends ApiException {

    public ForbiddenException(String detail) {
        super(HttpStatus.FORBIDDEN, "forbidden", "Forbidden", detail, List.of());
    }
}
