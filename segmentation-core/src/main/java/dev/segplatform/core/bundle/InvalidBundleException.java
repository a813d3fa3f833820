package dev.segplatform.core.bundle;

/** A model bundle that cannot be used: wrong format version, corrupt weights, missing entries. */
public class InvalidBundleException extends RuntimeException {

    public InvalidBundleException(String message) {
        super(message);
    }

    public InvalidBundleException(String message, Throwable cause) {
        super(message, cause);
    }
}
