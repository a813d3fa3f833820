package dev.segplatform.trainer;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Trainer settings.
 *
 * @param experimentUrl     base URL of the experiment service, whose job protocol the trainer speaks
 * @param workerId          identity reported when claiming jobs; defaults to host name and pid
 * @param slots             how many jobs this process trains at once
 * @param datasetsRoot      folder that {@code oxford-pet} dataset paths are resolved against
 * @param weightsRoot       folder that a run spec's {@code encoderWeights} paths are resolved against
 *                          (never outside it); {@code imagenet} is DL4J's zoo cache, not this folder
 * @param workDir           scratch space: generated data sets, checkpoints in flight
 * @param maxDevices        the most devices one job may use ({@code spec.devices}); CPU workers here,
 *                          GPUs under the CUDA backend
 * @param heartbeatInterval how often a running job heartbeats; well under the service's lease
 * @param idleBackoffMin    first wait after finding the queue empty
 * @param idleBackoffMax    longest wait between claims while the queue stays empty or unreachable
 * @param sampleMasks       validation images uploaded at the end of a run, each as its input, ground truth
 *                          and predicted mask ({@code samples/<name>/{input,truth,mask}.png})
 * @param internalToken     the experiment service's internal token, sent on the job protocol and required
 *                          on this trainer's own {@code /api/worker}; set it from the environment
 *                          ({@code TRAINER_INTERNAL_TOKEN}), never on a command line
 * @param internalTokenFile where to read the token when {@code internalToken} is not set; the default is
 *                          where an experiment service with its default data dir, started from the same
 *                          folder, generates it. Read when first needed, so the trainer may start first
 * @param spark             where runs with {@code distributed} train (see {@link Spark})
 */
@ConfigurationProperties("trainer")
public record TrainerProperties(
        @DefaultValue("http://localhost:8081") URI experimentUrl,
        String workerId,
        @DefaultValue("1") int slots,
        @DefaultValue("./data/datasets") Path datasetsRoot,
        @DefaultValue("./data/weights") Path weightsRoot,
        @DefaultValue("./data/trainer") Path workDir,
        @DefaultValue("2") int maxDevices,
        @DefaultValue("10s") Duration heartbeatInterval,
        @DefaultValue("500ms") Duration idleBackoffMin,
        @DefaultValue("10s") Duration idleBackoffMax,
        @DefaultValue("4") int sampleMasks,
        String internalToken,
        @DefaultValue("./data/internal-token") Path internalTokenFile,
        @DefaultValue Spark spark) {

    public TrainerProperties {
        if (internalToken != null && internalToken.isBlank()) {
            internalToken = null;
        }
        if (workerId == null || workerId.isBlank()) {
            workerId = defaultWorkerId();
        }
        if (slots < 1) {
            throw new IllegalArgumentException("trainer.slots must be at least 1");
        }
        if (spark == null) {
            spark = new Spark(null, null, null);
        }
    }

    /**
     * Spark, for runs whose spec has {@code distributed}: this trainer is the Spark driver (in its own
     * JVM, which therefore starts with Spark's Java 17 options), the executors are wherever the master
     * says.
     *
     * @param master    {@code spark://host:7077} (a standalone cluster), {@code k8s://https://host:443}
     *                  (Spark on Kubernetes: one executor pod per worker unless {@code conf} sets
     *                  {@code spark.executor.instances}) or {@code local[N]}, passed to Spark as written; absent =
     *                  {@code local[W]} with W the run's {@code distributed.workers}: executors as threads
     *                  of this JVM
     * @param exportDir where a run's minibatch files are written for the executors to read: on a
     *                  cluster, a shared file system mounted at the same path on every machine; absent =
     *                  the run's folder under {@code work-dir}, which only executors on this machine see
     * @param conf      more Spark settings, passed as written (for example {@code spark.driver.host},
     *                  {@code spark.executor.memory}, {@code spark.executor.extraClassPath}); in
     *                  properties {@code trainer.spark.conf[spark.driver.host]=10.0.0.5}
     */
    public record Spark(String master, Path exportDir, Map<String, String> conf) {

        public Spark {
            if (master != null && master.isBlank()) {
                master = null;
            }
            conf = conf == null ? Map.of() : Map.copyOf(conf);
        }

        /** The master a run of {@code workers} workers trains on. */
        public String masterFor(int workers) {
            return master != null ? master : "local[" + workers + "]";
        }
    }

    private static String defaultWorkerId() {
        String host;
        try {
            host = java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.net.UnknownHostException e) {
            host = "trainer";
        }
        return host + "-" + ProcessHandle.current().pid();
    }
}
