package dev.segplatform.experiment.api;

/** A run's (and its job's) state. QUEUED -> RUNNING -> one of the final states. */
public enum JobStatus {
    QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELLED, PRUNED;

    public boolean isFinal() {
        return this != QUEUED && this != RUNNING;
    }
}
