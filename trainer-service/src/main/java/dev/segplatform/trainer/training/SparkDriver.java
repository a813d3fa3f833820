package dev.segplatform.trainer.training;

import dev.segplatform.spark.SparkExecutors;
import dev.segplatform.trainer.TrainerProperties;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;

/**
 * The Spark driver inside this trainer: a Spark context for each run with {@code distributed}, on the
 * master {@code trainer.spark.master} names ({@code local[W]} for a run of W workers when it names
 * none), stopped when the run's attempt ends. Spark allows one context per JVM, so distributed runs
 * on one trainer take turns; a run that waits keeps its lease (the heartbeat goes on) and stops
 * waiting when it is cancelled or the trainer shuts down.
 */
@Component
class SparkDriver {

    static final String KUBERNETES_MASTER = "k8s://";
    static final String EXECUTOR_INSTANCES = "spark.executor.instances";

    /** How often a session's watch looks whether the context has stopped under the work it runs. */
    private static final long STOP_CHECK_MILLIS = 500;

    private final TrainerProperties.Spark settings;
    private final Semaphore oneContext = new Semaphore(1);

    @Autowired
    SparkDriver(TrainerProperties properties) {
        this(properties.spark());
    }

    SparkDriver(TrainerProperties.Spark settings) {
        this.settings = settings;
    }

    /**
     * A context for one run of {@code workers} workers, or null if {@code stopRequested} turned true
     * while another run held Spark.
     */
    Session open(long runId, int workers, BooleanSupplier stopRequested) throws InterruptedException {
        requireJavaOptions();
        while (!oneContext.tryAcquire(1, TimeUnit.SECONDS)) {
            if (stopRequested.getAsBoolean()) {
                return null;
            }
        }
        try {
            SparkConf conf = sparkConf(settings, runId, workers);
            return new Session(new JavaSparkContext(SparkExecutors.withNativeBackend(conf)));
        } catch (RuntimeException | Error e) {
            oneContext.release();
            throw e;
        }
    }

    /**
     * The Spark settings of one run: the master, the run's name, {@code trainer.spark.conf} as written
     * and what follows from the run's workers. On Kubernetes ({@code k8s://}) Spark starts as many
     * executor pods as {@code spark.executor.instances} says (its default is 2), so a run of W workers
     * asks for W pods unless the settings name a number; a standalone master instead gives an
     * application the cores it has (up to {@code spark.cores.max}), which is the cluster's to set, and
     * {@code local[W]} is already W threads.
     */
    static SparkConf sparkConf(TrainerProperties.Spark settings, long runId, int workers) {
        SparkConf conf = new SparkConf()
                .setAppName("segplatform-run-" + runId)
                .setMaster(settings.masterFor(workers))
                // Spark's application UI serves its REST API with Jersey 2, which Boot's Jersey
                // replaces; untried, so off unless trainer.spark.conf turns it on.
                .set("spark.ui.enabled", "false");
        if (settings.masterFor(workers).startsWith(KUBERNETES_MASTER)) {
            conf.set(EXECUTOR_INSTANCES, Integer.toString(workers));
        }
        settings.conf().forEach(conf::set);
        return conf;
    }

    /**
     * Spark's classes reach into the JDK's internals, which Java 17 opens only when the JVM starts
     * with Spark's options; without them a run would fail deep in Spark with an access error.
     */
    private static void requireJavaOptions() {
        if (!Object.class.getModule().isOpen("sun.nio.ch", SparkDriver.class.getModule())) {
            throw new IllegalStateException("this trainer's JVM was started without Spark's Java 17 options "
                    + "(--add-opens ..., spark-training's java-options), so it cannot train runs with distributed");
        }
    }

    /** One run's Spark context; closing it stops the context and lets the next distributed run start one. */
    final class Session implements AutoCloseable {
        private final JavaSparkContext context;

        private Session(JavaSparkContext context) {
            this.context = context;
        }

        JavaSparkContext context() {
            return context;
        }

        /**
         * Runs {@code work} on this thread and interrupts it if the context stops before the work ends.
         * Why: on SIGTERM Spark's shutdown hook stops the context beside the training, and a job
         * submitted in that moment can be dropped by Spark's scheduler without being failed; its caller
         * would wait for it forever (a trainer's shutdown then waited out its whole grace period and
         * never gave the run back). An interrupted wait ends in an {@link IllegalStateException}; an
         * interrupt that would land after the work ended is not left on the thread.
         */
        <T> T interruptedIfStopped(Callable<T> work) throws Exception {
            final class Watch {
                boolean working = true;
                boolean interrupted;
            }
            Thread caller = Thread.currentThread();
            Watch state = new Watch();
            ScheduledExecutorService watch = Executors.newSingleThreadScheduledExecutor(task -> {
                Thread thread = new Thread(task, "spark-stop-watch");
                thread.setDaemon(true);
                return thread;
            });
            watch.scheduleWithFixedDelay(() -> {
                synchronized (state) {
                    if (state.working && !state.interrupted && context.sc().isStopped()) {
                        state.interrupted = true;
                        caller.interrupt();
                    }
                }
            }, STOP_CHECK_MILLIS, STOP_CHECK_MILLIS, TimeUnit.MILLISECONDS);
            try {
                return work.call();
            } catch (InterruptedException e) {
                if (state.interrupted) {
                    throw new IllegalStateException("the Spark context stopped while the work waited for it", e);
                }
                throw e;
            } finally {
                watch.shutdownNow();
                synchronized (state) {
                    state.working = false;
                    if (state.interrupted) {
                        Thread.interrupted();
                    }
                }
            }
        }

        @Override
        public void close() {
            try {
                context.stop();
            } finally {
                oneContext.release();
            }
        }
    }
}
