package dev.segplatform.inference.problem;

import dev.segplatform.web.FieldProblem;
import java.util.List;
import org.springframework.http.HttpStatus;

/** 415: the content is not a JPEG or PNG at all (sniffed from its first bytes, not its declared type). */
public class UnsupportedImageException extends ApiException {

    public UnsupportedImageException(String field) {
        super(HttpStatus.UNSUPPORTED_MEDIA_TYPE, "unsupported-image", "Unsupported image",
                field + " is neither a JPEG nor a PNG", List.of(new FieldProblem(field, "not a JPEG or PNG")));
    }
}
