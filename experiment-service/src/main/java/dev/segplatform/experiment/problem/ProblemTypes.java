package dev.segplatform.experiment.problem;

import java.net.URI;

/** Problem type URIs: a URN per kind, since there is no page to dereference. */
public final class ProblemTypes {

    public static final String VALIDATION = "validation";
    public static final String MALFORMED = "malformed-request";
    public static final String DATABASE_UNAVAILABLE = "database-unavailable";

    private ProblemTypes() {
    }

    public static URI of(String kind) {
        return URI.create("urn:segplatform:problem:" + kind);
    }
}
