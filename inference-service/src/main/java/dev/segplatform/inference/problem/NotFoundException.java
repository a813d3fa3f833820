package dev.segplatform.inference.problem;

import java.util.List;
import org.springframework.http.HttpStatus;

/** 404: the named resource (a KServe model name) is not served here. */
public class NotFoundException extends ApiException {

    public NotFoundException(String detail) {
        super(HttpStatus.NOT_FOUND, "not-found", "Not found", detail, List.of());
    }
}
