package dev.segplatform.experiment.study;

/**
 * A study's state. RUNNING until {@code maxTrials} trials have finished (COMPLETED, or FAILED when
 * none of them succeeded with an objective value, or when trials can no longer be created), or until
 * a user stops it (STOPPED).
 */
public enum StudyStatus {
    RUNNING, COMPLETED, STOPPED, FAILED
}
