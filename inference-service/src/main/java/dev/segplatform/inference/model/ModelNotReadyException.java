package dev.segplatform.inference.model;

/** No model is loaded yet (503 with Retry-After; {@code /readyz} says the same). */
public class ModelNotReadyException extends RuntimeException {

    public ModelNotReadyException(String source) {
        super("no model is loaded yet; the service is waiting for " + source);
    }
}
