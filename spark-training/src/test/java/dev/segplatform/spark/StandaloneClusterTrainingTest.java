package dev.segplatform.spark;

import static org.assertj.core.api.Assertions.assertThat;

import dev.segplatform.testsupport.SparkStandaloneCluster;
import java.nio.file.Path;
import java.time.Duration;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;

/**
 * The same training on a real Spark standalone cluster: a master and two workers as JVMs of their
 * own, each worker starting one single-core executor JVM that rebuilds the U-Net from its JSON (the
 * project's custom layers come from the class path the application names) and trains its share.
 */
class StandaloneClusterTrainingTest {

    @Test
    void parameterAveragingOnAStandaloneClusterOfTwoWorkersLearnsThePets() throws Exception {
        try (SparkStandaloneCluster cluster = SparkStandaloneCluster.launch(Path.of("target", "spark-cluster"),
                PetsOnSpark.WORKERS, 1, "2g", SparkExecutors.javaOptions())) {
            PetsOnSpark.pets(); // loads ND4J and the data while the cluster's JVMs start
            cluster.awaitWorkers(Duration.ofMinutes(3));
            SparkConf conf = PetsOnSpark.conf(cluster.masterUrl(), "standalone-spark-training-test")
                    .set("spark.executor.memory", "1g")
                    .set("spark.executor.cores", "1")
                    .set("spark.cores.max", Integer.toString(PetsOnSpark.WORKERS))
                    .set("spark.executor.extraClassPath", SparkStandaloneCluster.testClassPath())
                    .set("spark.executor.extraJavaOptions",
                            "-Dorg.bytedeco.javacpp.maxbytes=3G -Dorg.bytedeco.javacpp.maxphysicalbytes=4G");
            try (JavaSparkContext sc = new JavaSparkContext(SparkExecutors.withNativeBackend(conf))) {
                awaitExecutors(sc, PetsOnSpark.WORKERS, Duration.ofMinutes(2));
                PetsOnSpark.trainAndCheck(sc, "standalone");
            }
        }
    }

    /**
     * Waits until the cluster has given the application {@code n} executors, so the training is
     * known to run outside this JVM: the block managers are the driver's plus one per executor.
     */
    private static void awaitExecutors(JavaSparkContext sc, int n, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (sc.sc().getExecutorMemoryStatus().size() < n + 1 && System.nanoTime() < deadline) {
            Thread.sleep(250);
        }
        assertThat(sc.sc().getExecutorMemoryStatus().size()).as("driver + executors").isEqualTo(n + 1);
    }
}
