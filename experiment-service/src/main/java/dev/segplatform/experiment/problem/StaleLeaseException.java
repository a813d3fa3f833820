package dev.segplatform.experiment.problem;

/**
 * 409: a worker wrote with a lease token that is no longer the job's, because the lease expired
 * and the job went to another worker, or the job is already finished. Nothing was written.
 */
public class StaleLeaseException extends ConflictException {

    public StaleLeaseException(long jobId) {
        super("stale-lease", "Stale lease",
                "job " + jobId + " is not leased with this token; the lease expired or the job finished");
    }
}
