package dev.segplatform.inference.problem;

import dev.segplatform.web.FieldProblem;
import dev.segplatform.core.image.ImageTooLargeException;
import java.io.IOException;
import java.util.List;
import org.springframework.http.HttpStatus;

/**
 * An image the decoder refused: 413 when its header announces more pixels than allowed (found
 * before any pixel was decoded, so a decompression bomb costs nothing), 400 when it is corrupt.
 */
public class ImageRejectedException extends ApiException {

    private ImageRejectedException(HttpStatus status, String kind, String title, String field, String reason) {
        super(status, kind, title, field + ": " + reason, List.of(new FieldProblem(field, reason)));
    }

    /** From the core's {@code ImageTooLargeException} or {@code UnreadableImageException}. */
    public static ImageRejectedException of(String field, IOException e) {
        if (e instanceof ImageTooLargeException) {
            return new ImageRejectedException(HttpStatus.CONTENT_TOO_LARGE, "image-too-large", "Image too large",
                    field, e.getMessage());
        }
        return new ImageRejectedException(HttpStatus.BAD_REQUEST, "unreadable-image", "Unreadable image", field,
                e.getMessage());
    }
}
