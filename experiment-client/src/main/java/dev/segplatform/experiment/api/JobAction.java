package dev.segplatform.experiment.api;

/** What a heartbeat tells the worker to do next. */
public enum JobAction {
    /** Keep training. */
    CONTINUE,
    /** The user cancelled the run: stop, upload what there is, complete as CANCELLED. */
    CANCEL,
    /** A tuning study's pruner stopped the trial: stop and complete as PRUNED. */
    PRUNE
}
