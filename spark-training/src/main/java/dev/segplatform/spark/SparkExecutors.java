package dev.segplatform.spark;

import dev.segplatform.core.runtime.NativeBackend;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
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

    /**
     * The Java 17 options Spark's own launcher adds to every JVM it starts ({@code --add-opens ...}),
     * as this module's build wrote them from the pom property {@code spark.java-options}: a JVM that
     * runs a Spark driver, master or worker itself must start with them.
     */
    public static String javaOptions() {
        try (InputStream in = SparkExecutors.class.getResourceAsStream("java-options")) {
            if (in == null) {
                throw new IllegalStateException("spark-training's java-options resource is missing");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
