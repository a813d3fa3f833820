package dev.segplatform.helm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.marcnuri.helm.LintResult;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** `helm lint`, and bad values failing at install (values.schema.json, or the templates' own checks). */
class ValuesValidationTest {

    @Test
    void lintPassesInStrictMode() {
        LintResult result = Chart.helm().lint().strict().call();
        assertThat(result.isFailed()).as(String.join("\n", result.getMessages())).isFalse();
        assertThat(result.getMessages()).allSatisfy(message -> assertThat(message).startsWith("[INFO]"));
    }

    static Stream<Arguments> badValues() {
        return Stream.of(
                Arguments.of(Map.of("gateway.replicas", -1), "/gateway/replicas"),
                Arguments.of(Map.of("trainers.pools.cpu.replicas", -2), "/trainers/pools/cpu/replicas"),
                Arguments.of(Map.of("inference.autoscaling.maxReplicas", 0), "/inference/autoscaling/maxReplicas"),
                Arguments.of(Map.of("postgresql.mode", "external"), "/postgresql/external/host"),
                Arguments.of(Map.of("postgresql.mode", "managed"), "/postgresql/mode"),
                Arguments.of(Map.of("trainers.pools.cpu.gpus", 1), "/trainers/pools/cpu/image/flavor': value must be 'cuda'"),
                Arguments.of(Map.of("trainers.pools.gpu.enabled", true, "trainers.pools.gpu.gpus", 0), "/trainers/pools/gpu/image/flavor': value must be 'cpu'"),
                Arguments.of(Map.of("trainers.terminationGracePeriodSeconds", 10), "/trainers/terminationGracePeriodSeconds"),
                Arguments.of(Map.of("gateway.resources.limits.memory", "1GB"), "/gateway/resources/limits/memory"),
                Arguments.of(Map.of("experiment.leaseDuration", "a minute"), "/experiment/leaseDuration"),
                Arguments.of(Map.of("experiment.replicas", 2), "/experiment/persistence/accessModes"),
                Arguments.of(Map.of("gateway.adminKey.value", "short"), "/gateway/adminKey/value"),
                Arguments.of(Map.of("gateway.apiKeys.keys[0].name", "ci", "gateway.apiKeys.keys[0].role", "root",
                        "gateway.apiKeys.keys[0].sha256", "ab".repeat(32)), "/gateway/apiKeys/keys/0/role"),
                Arguments.of(Map.of("trainers.datasets.enabled", true), "/trainers/datasets/existingClaim"),
                Arguments.of(Map.of("trainers.spark.kubernetes.enabled", true),
                        "/trainers/spark/kubernetes/exportVolume/existingClaim"),
                Arguments.of(Map.of("trainers.spark.kubernetes.executor.heapMiB", 0), "/trainers/spark/kubernetes/executor/heapMiB"),
                Arguments.of(Map.of("gatway.replicas", 2), "additional properties 'gatway' not allowed"),
                Arguments.of(Map.of("trainers.pools.Big_Pool.enabled", true), "invalid propertyName 'Big_Pool'"),
                // Not expressible in the schema; the templates fail instead.
                Arguments.of(Map.of("trainers.pools.cpu.jvm.offHeapPercentage", 70), "must stay at or below 90"),
                Arguments.of(Map.of("inference.autoscaling.minReplicas", 8), "minReplicas must not exceed maxReplicas"));
    }

    @ParameterizedTest
    @MethodSource("badValues")
    void badValuesFailTheInstall(Map<String, Object> values, String named) {
        assertThatThrownBy(() -> Chart.render(values)).isInstanceOf(IllegalStateException.class).hasMessageContaining(named);
    }

    @Test
    void theSchemaSaysWhatIsWrongWithANegativeReplicaCount() {
        assertThatThrownBy(() -> Chart.render(Map.of("gateway.replicas", -1)))
                .hasMessageContaining("values don't meet the specifications of the schema")
                .hasMessageContaining("/gateway/replicas");
    }
}
