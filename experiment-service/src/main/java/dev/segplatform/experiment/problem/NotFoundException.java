package dev.segplatform.experiment.problem;

import java.util.List;
import org.springframework.http.HttpStatus;

/** 404: the named resource does not exist (or is not visible). */
public class NotFoundException extends ApiException {

    public NotFoundException(String resource, Object id) {
        super(HttpStatus.NOT_FOUND, "not-found", "Not found", resource + " " + id + " does not exist", List.of());
    }
}
