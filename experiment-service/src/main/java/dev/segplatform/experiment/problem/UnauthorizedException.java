package dev.segplatform.experiment.problem;

import java.util.List;
import org.springframework.http.HttpStatus;

/** 401: a protected endpoint was called without the credential it needs. */
public class UnauthorizedException extends ApiException {

    public UnauthorizedException(String detail) {
        super(HttpStatus.UNAUTHORIZED, "unauthorized", "Unauthorized", detail, List.of());
    }
}
