package dev.segplatform.inference.problem;

import dev.segplatform.web.FieldProblem;
import java.util.List;
import org.springframework.http.HttpStatus;

/** 413: a body or file beyond the configured size, refused before it was read to the end. */
public class PayloadTooLargeException extends ApiException {

    public PayloadTooLargeException(String field, long limitBytes) {
        super(HttpStatus.CONTENT_TOO_LARGE, "payload-too-large", "Payload too large",
                field + " is larger than the allowed " + limitBytes + " bytes",
                List.of(new FieldProblem(field, "larger than " + limitBytes + " bytes")));
    }
}
