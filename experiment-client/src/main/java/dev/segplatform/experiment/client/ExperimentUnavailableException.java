package dev.segplatform.experiment.client;

/** The experiment service could not be reached at all (refused, reset, timed out); worth retrying. */
public class ExperimentUnavailableException extends RuntimeException {

    public ExperimentUnavailableException(String operation, Throwable cause) {
        super(operation + " could not reach the experiment service: " + cause, cause);
    }
}
