package dev.segplatform.experiment.client;

/**
 * The experiment service answered with an error (a problem detail). {@link #isStaleLease()} tells
 * a worker that its lease is gone and it must stop writing for that job.
 */
public class ExperimentApiException extends RuntimeException {

    private final int status;
    private final String type;

    public ExperimentApiException(String operation, int status, String type, String detail) {
        super(operation + " answered " + status + (detail == null ? "" : ": " + detail));
        this.status = status;
        this.type = type;
    }

    public int status() {
        return status;
    }

    /** The problem type URI, or null when the answer was not a problem detail. */
    public String type() {
        return type;
    }

    public boolean isStaleLease() {
        return status == 409 && type != null && type.endsWith(":stale-lease");
    }

    /** 5xx and 429 may succeed later; 4xx will not. */
    public boolean isRetryable() {
        return status >= 500 || status == 429;
    }
}
