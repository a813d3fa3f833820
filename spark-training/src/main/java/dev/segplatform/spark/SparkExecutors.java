package dev.segplatform.spark;

import dev.segplatform.core.runtime.NativeBackend;
import org.apache.spark.SparkConf;

/**
 * What a Spark application that trains a network here must tell its executors. An executor is a JVM
 * the cluster starts, so it never runs the driver's {@link NativeBackend#configure()}: without the
 * same system properties it would load ND4J's plain build with DL4J's layer helpers off, and train
 * several times slower than the driver's own evaluation runs.
 */
public final class SparkExecutors {

    private static final String EXECUTOR_JAVA_OPTIONS = "spark.executor.extraJavaOptions";

    private SparkExecutors() {
    }

    /**
     * Adds the driver's native-build choice to {@code spark.executor.extraJavaOptions} (after
     * anything already there) and returns {@code conf}.
     */
    public static SparkConf withNativeBackend(SparkConf conf) {
        NativeBackend.Selection selection = NativeBackend.configure();
        String options = "-D" + NativeBackend.EXTENSION_PROPERTY + "=" + selection.extension()
                + " -D" + NativeBackend.HELPERS_DISABLED_PROPERTY + "=" + !selection.helpers();
        String existing = conf.get(EXECUTOR_JAVA_OPTIONS, "").trim();
        return conf.set(EXECUTOR_JAVA_OPTIONS, existing.isEmpty() ? options : existing + " " + options);
    }
}
