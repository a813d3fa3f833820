package dev.segplatform.web;

import java.net.URI;
import java.util.Locale;
import org.springframework.http.HttpStatus;

/**
 * The platform's problem vocabulary, one for every service: the type URIs, and the kinds the
 * services' own advices and the container's error pages share.
 */
public final class Problems {

    /** Input that parsed but broke a rule; the problem lists each field and why ({@link FieldProblem}). */
    public static final String VALIDATION = "validation";
    /** Input that did not parse: malformed JSON, a wrong type, a body that is not an image. */
    public static final String MALFORMED = "malformed-request";
    public static final String DATABASE_UNAVAILABLE = "database-unavailable";

    private Problems() {
    }

    /** {@code urn:segplatform:problem:<kind>}: a URN per kind, since there is no page to dereference. */
    public static URI type(String kind) {
        return URI.create("urn:segplatform:problem:" + kind);
    }

    /** The kind of a bare status: {@code malformed-request} for 400, {@code internal} for 5xx, else its name. */
    public static URI type(int status) {
        HttpStatus known = HttpStatus.resolve(status);
        String kind = status == 400 ? MALFORMED
                : status >= 500 ? "internal"
                : known == null ? "error" : known.name().toLowerCase(Locale.ROOT).replace('_', '-');
        return type(kind);
    }

    public static String title(int status) {
        HttpStatus known = HttpStatus.resolve(status);
        return known == null ? "Error" : known.getReasonPhrase();
    }

    /**
     * KServe v2 clients read an {@code error} field; under {@code /v2} problems carry it as well, on
     * the gateway as on the inference service.
     */
    public static boolean isKServe(String path) {
        return path.equals("/v2") || path.startsWith("/v2/");
    }
}
