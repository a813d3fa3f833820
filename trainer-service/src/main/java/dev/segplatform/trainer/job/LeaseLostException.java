package dev.segplatform.trainer.job;

/** The job's lease expired or was taken away; nothing more may be written for it. */
public class LeaseLostException extends RuntimeException {

    public LeaseLostException(String message) {
        super(message);
    }
}
