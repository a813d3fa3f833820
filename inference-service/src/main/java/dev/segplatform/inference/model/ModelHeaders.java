package dev.segplatform.inference.model;

import org.springframework.http.HttpHeaders;

/** Response headers that name the model that answered, so a client can tell answers of two models apart. */
public final class ModelHeaders {

    public static final String RUN_ID = "X-Model-Run-Id";
    public static final String ARCHITECTURE = "X-Model-Architecture";
    public static final String VERSION = "X-Model-Version";

    private ModelHeaders() {
    }

    public static HttpHeaders of(ServedModel model) {
        HttpHeaders headers = new HttpHeaders();
        headers.set(RUN_ID, String.valueOf(model.runId()));
        headers.set(ARCHITECTURE, model.architecture());
        headers.set(VERSION, Long.toString(model.version()));
        return headers;
    }
}
