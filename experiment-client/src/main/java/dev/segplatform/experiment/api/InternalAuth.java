package dev.segplatform.experiment.api;

/**
 * The shared secret between the experiment service and its trainers. The job protocol lets a caller
 * take jobs and write to runs, so the service checks it on top of the network rules that already
 * keep the protocol internal.
 */
public final class InternalAuth {

    /** Header that carries the internal token on job protocol calls ({@code /api/jobs/**}). */
    public static final String HEADER = "X-Internal-Token";

    private InternalAuth() {
    }
}
