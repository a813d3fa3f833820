package dev.segplatform.inference.model;

import org.springframework.http.HttpHeaders;

/** Response headers that name the model that answered, so a client can tell answers of two models apart. */
public final class ModelHeaders {

    public static final String RUN_ID = "X-Model-Run-Id";
    public static final String ARCHITECTURE = "X-Model-Architecture";
    public static final String VERSION = "X-Model-Version";
    /** Set when the model was chosen by a model URI ({@code inference.model-uri}). */
    public static final String REGISTERED_MODEL = "X-Model-Registered-Name";
    public static final String REGISTERED_VERSION = "X-Model-Registered-Version";
    public static final String ALIAS = "X-Model-Alias";

    private ModelHeaders() {
    }

    public static HttpHeaders of(ServedModel model) {
        HttpHeaders headers = new HttpHeaders();
        headers.set(RUN_ID, String.valueOf(model.runId()));
        headers.set(ARCHITECTURE, model.architecture());
        headers.set(VERSION, Long.toString(model.version()));
        ModelCandidate candidate = model.candidate();
        if (candidate.registeredModel() != null) {
            headers.set(REGISTERED_MODEL, candidate.registeredModel());
            headers.set(REGISTERED_VERSION, String.valueOf(candidate.modelVersion()));
            if (candidate.alias() != null) {
                headers.set(ALIAS, candidate.alias());
            }
        }
        return headers;
    }
}
