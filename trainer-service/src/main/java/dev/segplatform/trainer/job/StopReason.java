package dev.segplatform.trainer.job;

/** Why training stopped before its last epoch. */
public enum StopReason {
    /** The user cancelled the run: upload what there is, complete CANCELLED. */
    CANCEL,
    /** A tuning study pruned the trial: complete PRUNED. */
    PRUNE,
    /** This worker is shutting down: checkpoint and give the job back. */
    SHUTDOWN,
    /** The lease is gone (another worker may hold the job): stop writing at once. */
    LEASE_LOST
}
