package dev.segplatform.core.image;

import java.io.IOException;

/** The bytes are not an image that ImageIO can decode (corrupt, truncated, or an unknown format). */
public class UnreadableImageException extends IOException {

    public UnreadableImageException(String message) {
        super(message);
    }

    public UnreadableImageException(String message, Throwable cause) {
        super(message, cause);
    }
}
