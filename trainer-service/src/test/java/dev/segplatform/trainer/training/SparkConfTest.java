package dev.segplatform.trainer.training;

import static org.assertj.core.api.Assertions.assertThat;

import dev.segplatform.trainer.TrainerProperties;
import java.util.Map;
import org.apache.spark.SparkConf;
import org.junit.jupiter.api.Test;

/** What a run's workers and the trainer's settings turn into, before any Spark context exists. */
class SparkConfTest {

    @Test
    void unsetMasterIsOneThreadPerWorkerAndAsksForNoExecutorCount() {
        SparkConf conf = SparkDriver.sparkConf(new TrainerProperties.Spark(null, null, null), 17, 3);
        assertThat(conf.get("spark.master")).isEqualTo("local[3]");
        assertThat(conf.get("spark.app.name")).isEqualTo("segplatform-run-17");
        assertThat(conf.get("spark.ui.enabled")).isEqualTo("false");
        assertThat(conf.contains(SparkDriver.EXECUTOR_INSTANCES)).isFalse();
    }

    @Test
    void onKubernetesTheRunsWorkersAreItsExecutorPods() {
        SparkConf conf = SparkDriver.sparkConf(new TrainerProperties.Spark("k8s://https://kubernetes.default.svc", null,
                Map.of("spark.kubernetes.namespace", "ml")), 5, 4);
        assertThat(conf.get("spark.master")).isEqualTo("k8s://https://kubernetes.default.svc");
        assertThat(conf.get(SparkDriver.EXECUTOR_INSTANCES)).isEqualTo("4");
        assertThat(conf.get("spark.kubernetes.namespace")).isEqualTo("ml");
    }

    @Test
    void theTrainersSettingsWinOverTheWorkerCountAndTheDefaults() {
        SparkConf conf = SparkDriver.sparkConf(new TrainerProperties.Spark("k8s://https://10.0.0.1:6443", null,
                Map.of(SparkDriver.EXECUTOR_INSTANCES, "2", "spark.ui.enabled", "true")), 5, 8);
        assertThat(conf.get(SparkDriver.EXECUTOR_INSTANCES)).isEqualTo("2");
        assertThat(conf.get("spark.ui.enabled")).isEqualTo("true");
    }

    @Test
    void aStandaloneMasterIsLeftToGiveTheCoresItHas() {
        SparkConf conf = SparkDriver.sparkConf(new TrainerProperties.Spark("spark://master:7077", null, null), 5, 4);
        assertThat(conf.get("spark.master")).isEqualTo("spark://master:7077");
        assertThat(conf.contains(SparkDriver.EXECUTOR_INSTANCES)).isFalse();
    }
}
