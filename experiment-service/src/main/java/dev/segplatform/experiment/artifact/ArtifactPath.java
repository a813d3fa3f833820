package dev.segplatform.experiment.artifact;

import dev.segplatform.experiment.problem.InvalidInputException;
import java.util.ArrayList;
import java.util.List;

/**
 * Normalises an artifact path to {@code a/b/c}: no leading slash, no empty or {@code .} segments.
 * Anything that could step outside the run ({@code ..}, an absolute or drive path, backslashes,
 * NUL or control characters) is refused rather than repaired.
 */
final class ArtifactPath {

    static final int MAX_LENGTH = 1024;

    private ArtifactPath() {
    }

    static String normalize(String raw) {
        if (raw == null || raw.isBlank() || raw.equals("/")) {
            throw invalid("must name a file");
        }
        if (raw.startsWith("//") || raw.matches("^/?[A-Za-z]:.*")) {
            throw invalid("must be relative to the run");
        }
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c == '\0' || c < 0x20 || c == 0x7f) {
                throw invalid("must not contain NUL or control characters");
            }
            if (c == '\\') {
                throw invalid("must use '/' as separator, not '\\'");
            }
        }
        List<String> segments = new ArrayList<>();
        for (String segment : raw.split("/")) {
            if (segment.equals("..")) {
                throw invalid("must not contain '..'");
            }
            if (!segment.isEmpty() && !segment.equals(".")) {
                segments.add(segment);
            }
        }
        if (segments.isEmpty()) {
            throw invalid("must name a file");
        }
        String path = String.join("/", segments);
        if (path.length() > MAX_LENGTH) {
            throw invalid("must be at most " + MAX_LENGTH + " characters");
        }
        return path;
    }

    private static InvalidInputException invalid(String reason) {
        return new InvalidInputException("path", reason);
    }
}
