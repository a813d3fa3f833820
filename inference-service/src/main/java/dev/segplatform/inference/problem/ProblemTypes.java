package dev.segplatform.inference.problem;

import java.net.URI;

/** Problem type URIs: a URN per kind, since there is no page to dereference. */
public final class ProblemTypes {

    private ProblemTypes() {
    }

    public static URI of(String kind) {
        return URI.create("urn:segplatform:problem:" + kind);
    }
}
