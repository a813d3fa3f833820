package dev.segplatform.inference.segment;

import dev.segplatform.inference.problem.InvalidInputException;
import dev.segplatform.inference.problem.NotAcceptableException;
import java.util.List;
import org.springframework.http.InvalidMediaTypeException;
import org.springframework.http.MediaType;

/**
 * The three answers of {@code POST /api/segment}. An explicit {@code format} parameter wins (the
 * only way to ask for an overlay, which is a PNG like the mask); otherwise the {@code Accept}
 * header decides, by quality and specificity, with the mask PNG for {@code *}{@code /*} or none.
 */
enum MaskFormat {
    /** An 8-bit palette PNG whose pixel values are class indices, at the input's size. */
    PNG(MediaType.IMAGE_PNG),
    /** Size, class names, per-class pixel counts and fractions, and the run-length encoded mask. */
    JSON(MediaType.APPLICATION_JSON),
    /** The input with the class colours blended over it, as an RGB PNG. */
    OVERLAY(MediaType.IMAGE_PNG);

    private final MediaType mediaType;

    MaskFormat(MediaType mediaType) {
        this.mediaType = mediaType;
    }

    MediaType mediaType() {
        return mediaType;
    }

    static MaskFormat negotiate(String format, String accept) {
        if (format != null && !format.isBlank()) {
            return switch (format.trim().toLowerCase(java.util.Locale.ROOT)) {
                case "png", "mask", "image/png" -> PNG;
                case "json", "application/json" -> JSON;
                case "overlay" -> OVERLAY;
                default -> throw new InvalidInputException("format", "must be png, json or overlay");
            };
        }
        if (accept == null || accept.isBlank()) {
            return PNG;
        }
        List<MediaType> wanted;
        try {
            wanted = MediaType.parseMediaTypes(accept);
        } catch (InvalidMediaTypeException e) {
            throw new InvalidInputException("Accept", "not a media type list: " + e.getMessage());
        }
        org.springframework.util.MimeTypeUtils.sortBySpecificity(wanted);
        wanted.sort((a, b) -> Double.compare(b.getQualityValue(), a.getQualityValue()));
        for (MediaType type : wanted) {
            if (type.getQualityValue() <= 0) {
                continue;
            }
            if (type.isCompatibleWith(MediaType.IMAGE_PNG)) {
                return PNG;
            }
            if (type.isCompatibleWith(MediaType.APPLICATION_JSON)) {
                return JSON;
            }
        }
        throw new NotAcceptableException(accept, "image/png and application/json");
    }
}
