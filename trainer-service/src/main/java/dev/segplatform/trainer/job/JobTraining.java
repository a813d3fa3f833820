package dev.segplatform.trainer.job;

/**
 * Trains one claimed job: builds the network from the spec, trains epoch by epoch, and reports
 * through the lease (progress, metrics, checkpoints, the model bundle). It checks
 * {@link Lease#stopReason()} every iteration and returns early when one is set.
 */
public interface JobTraining {

    /**
     * @return null when every epoch ran (or early stopping ended it normally), otherwise why it
     *     stopped
     */
    StopReason train(Lease lease) throws Exception;
}
