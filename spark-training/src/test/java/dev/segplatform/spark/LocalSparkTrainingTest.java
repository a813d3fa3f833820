package dev.segplatform.spark;

import java.io.IOException;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;

/**
 * DL4J's Spark parameter averaging on two local Spark workers (threads of this JVM): the workers
 * rebuild the project's U-Net, custom layers included, from its JSON configuration, train, and the
 * averaged graph learns the pets.
 */
class LocalSparkTrainingTest {

    @Test
    void parameterAveragingOnTwoLocalWorkersLearnsThePets() throws IOException {
        try (JavaSparkContext sc = new JavaSparkContext(PetsOnSpark.conf("local[" + PetsOnSpark.WORKERS + "]",
                "local-spark-training-test"))) {
            PetsOnSpark.trainAndCheck(sc, "local");
        }
    }
}
