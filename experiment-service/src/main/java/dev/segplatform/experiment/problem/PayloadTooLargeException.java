package dev.segplatform.experiment.problem;

import java.util.List;
import org.springframework.http.HttpStatus;
import org.springframework.util.unit.DataSize;

/** 413: an upload beyond the configured limit. */
public class PayloadTooLargeException extends ApiException {

    public PayloadTooLargeException(DataSize limit) {
        super(HttpStatus.CONTENT_TOO_LARGE, "payload-too-large", "Payload too large",
                "uploads are limited to " + limit.toBytes() + " bytes", List.of());
    }
}
