package dev.segplatform.helm;

import static dev.segplatform.helm.EveryScenarioTest.allowedFrom;
import static dev.segplatform.helm.EveryScenarioTest.applicationYml;
import static dev.segplatform.helm.EveryScenarioTest.env;
import static dev.segplatform.helm.EveryScenarioTest.rendered;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPort;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * trainers.spark.kubernetes: off by default; on, trainers are Spark drivers that may run executor pods
 * of their own image from the pod template in their pool's ConfigMap.
 */
class SparkOnKubernetesTest {

    private static final String TEMPLATE = "executor-pod-template.yaml";

    @Test
    void offByDefaultNoAccountRoleTemplateOrSparkSettings() {
        Chart.Rendered rendered = rendered(Scenario.DEFAULTS);
        assertThat(rendered.all(Role.class)).isEmpty();
        assertThat(rendered.all(RoleBinding.class)).isEmpty();
        assertThat(rendered.all(ServiceAccount.class)).singleElement().satisfies(account ->
                assertThat(account.getMetadata().getName()).isEqualTo("seg-segmentation-platform"));
        Deployment trainer = rendered.get(Deployment.class, "trainer-cpu");
        assertThat(trainer.getSpec().getTemplate().getSpec().getAutomountServiceAccountToken()).isFalse();
        assertThat(trainer.getSpec().getTemplate().getSpec().getServiceAccountName()).isEqualTo("seg-segmentation-platform");
        ConfigMap config = rendered.get(ConfigMap.class, "trainer-cpu");
        assertThat(config.getData()).containsOnlyKeys("application.yml");
        assertThat(applicationYml(config).get("trainer").toString()).doesNotContain("spark");
    }

    @Test
    void onTrainersGetTheirOwnAccountWhoseRoleRunsExecutorPods() {
        Chart.Rendered rendered = rendered(Scenario.SPARK_ON_KUBERNETES);
        ServiceAccount account = rendered.get(ServiceAccount.class, "trainer");
        Role role = rendered.get(Role.class, "spark-driver");
        assertThat(role.getRules()).anySatisfy(rule -> {
            assertThat(rule.getApiGroups()).containsExactly("");
            assertThat(rule.getResources()).contains("pods", "services", "configmaps");
            assertThat(rule.getVerbs()).containsExactlyInAnyOrder("create", "get", "list", "watch", "delete", "deletecollection");
        });
        assertThat(role.getRules()).anySatisfy(rule -> {
            assertThat(rule.getResources()).containsExactly("persistentvolumeclaims");
            assertThat(rule.getVerbs()).containsExactlyInAnyOrder("get", "list");
        });
        // Nothing beyond the core group, and nothing cluster-wide.
        assertThat(role.getRules()).flatExtracting(PolicyRule::getApiGroups).containsOnly("");
        RoleBinding binding = rendered.get(RoleBinding.class, "spark-driver");
        assertThat(binding.getRoleRef().getName()).isEqualTo(role.getMetadata().getName());
        assertThat(binding.getSubjects()).singleElement().satisfies(subject -> {
            assertThat(subject.getKind()).isEqualTo("ServiceAccount");
            assertThat(subject.getName()).isEqualTo(account.getMetadata().getName());
            assertThat(subject.getNamespace()).isEqualTo(Chart.NAMESPACE);
        });
        for (String pool : List.of("trainer-cpu", "trainer-gpu")) {
            PodSpec spec = rendered.get(Deployment.class, pool).getSpec().getTemplate().getSpec();
            assertThat(spec.getServiceAccountName()).as(pool).isEqualTo(account.getMetadata().getName());
            assertThat(spec.getAutomountServiceAccountToken()).as(pool).isTrue();
        }
        // The other services keep the release's account, which has no rights, and no token.
        for (String other : List.of("gateway", "experiment-service", "inference-service")) {
            PodSpec spec = rendered.get(Deployment.class, other).getSpec().getTemplate().getSpec();
            assertThat(spec.getServiceAccountName()).as(other).isEqualTo("seg-segmentation-platform");
            assertThat(spec.getAutomountServiceAccountToken()).as(other).isFalse();
        }
    }

    @Test
    void eachPoolsTrainersPointSparkAtTheClusterWithTheirOwnImageAndAddress() {
        Chart.Rendered rendered = rendered(Scenario.SPARK_ON_KUBERNETES);
        for (String pool : List.of("trainer-cpu", "trainer-gpu")) {
            Container trainer = rendered.container(pool);
            Map<String, Object> spark = spark(rendered, pool);
            assertThat(spark.get("master")).isEqualTo("k8s://https://kubernetes.default.svc");
            assertThat(spark.get("export-dir")).isEqualTo("/spark-export");
            assertThat(conf(spark)).as(pool)
                    .containsEntry("[spark.kubernetes.namespace]", Chart.NAMESPACE)
                    .containsEntry("[spark.kubernetes.container.image]", trainer.getImage())
                    .containsEntry("[spark.kubernetes.driver.pod.name]", "${POD_NAME}")
                    .containsEntry("[spark.driver.host]", "${POD_IP}")
                    .containsEntry("[spark.driver.port]", "7078")
                    .containsEntry("[spark.blockManager.port]", "7079")
                    .containsEntry("[spark.kubernetes.executor.podTemplateFile]", "/config/" + TEMPLATE)
                    .containsEntry("[spark.kubernetes.executor.podTemplateContainerName]", "executor")
                    .containsEntry("[spark.kubernetes.executor.disableConfigMap]", "true")
                    .containsEntry("[spark.kubernetes.driver.ownPersistentVolumeClaim]", "false")
                    .containsEntry("[spark.kubernetes.driver.reusePersistentVolumeClaim]", "false")
                    .containsEntry("[spark.executor.memory]", "2048m")
                    .containsEntry("[spark.executor.memoryOverhead]", "3584m");
            assertThat(env(trainer, "POD_NAME").getValueFrom().getFieldRef().getFieldPath()).isEqualTo("metadata.name");
            assertThat(env(trainer, "POD_IP").getValueFrom().getFieldRef().getFieldPath()).isEqualTo("status.podIP");
            // The template file is the pool's ConfigMap, mounted at /config.
            assertThat(trainer.getVolumeMounts()).anySatisfy(mount -> {
                assertThat(mount.getName()).isEqualTo("config");
                assertThat(mount.getMountPath()).isEqualTo("/config");
            });
            assertThat(trainer.getVolumeMounts()).anySatisfy(mount -> {
                assertThat(mount.getName()).isEqualTo("spark-export");
                assertThat(mount.getMountPath()).isEqualTo("/spark-export");
                assertThat(mount.getReadOnly()).isNotEqualTo(Boolean.TRUE);
            });
            assertThat(rendered.get(Deployment.class, pool).getSpec().getTemplate().getSpec().getVolumes()).anySatisfy(volume -> {
                assertThat(volume.getName()).isEqualTo("spark-export");
                assertThat(volume.getPersistentVolumeClaim().getClaimName()).isEqualTo("spark-minibatches");
            });
        }
        assertThat(rendered.container("trainer-gpu").getImage()).endsWith("-cuda");
    }

    @Test
    void theExecutorPodTemplateRunsTheTrainerImagesExecutorScriptLikeAnyPodOfTheRelease() {
        Chart.Rendered rendered = rendered(Scenario.SPARK_ON_KUBERNETES);
        for (String pool : List.of("trainer-cpu", "trainer-gpu")) {
            Pod template = executorTemplate(rendered, pool);
            assertThat(UnknownFields.of(template)).as(pool).isEmpty();
            assertThat(template.getMetadata().getLabels())
                    .containsEntry("app.kubernetes.io/component", "spark-executor")
                    .containsEntry("app.kubernetes.io/instance", Chart.RELEASE);
            PodSpec spec = template.getSpec();
            assertThat(spec.getAutomountServiceAccountToken()).isFalse();
            assertThat(spec.getServiceAccountName()).isEqualTo("seg-segmentation-platform");
            assertThat(spec.getSecurityContext().getRunAsNonRoot()).isTrue();
            assertThat(spec.getSecurityContext().getRunAsUser()).isEqualTo(10001L);
            Container executor = spec.getContainers().get(0);
            assertThat(spec.getContainers()).hasSize(1);
            assertThat(executor.getName()).isEqualTo("executor");
            assertThat(executor.getImage()).isEqualTo(rendered.container(pool).getImage());
            assertThat(executor.getCommand()).containsExactly("/app/spark-executor.sh");
            assertThat(executor.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
            assertThat(executor.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
            assertThat(env(executor, "JAVA_TOOL_OPTIONS").getValue()).contains(
                    "-Djava.io.tmpdir=/tmp", "-Dorg.bytedeco.javacpp.cachedir=/tmp/javacpp",
                    "-Dorg.bytedeco.javacpp.maxbytes=3072m", "-Dorg.bytedeco.javacpp.maxphysicalbytes=5120m");
            assertThat(executor.getVolumeMounts()).anySatisfy(mount -> assertThat(mount.getMountPath()).isEqualTo("/tmp"));
            assertThat(executor.getVolumeMounts()).anySatisfy(mount -> {
                assertThat(mount.getMountPath()).isEqualTo("/spark-export");
                assertThat(mount.getReadOnly()).isTrue();
            });
            assertThat(spec.getVolumes()).anySatisfy(volume -> {
                assertThat(volume.getName()).isEqualTo("tmp");
                assertThat(volume.getEmptyDir()).isNotNull();
            });
            assertThat(spec.getVolumes()).filteredOn(volume -> volume.getPersistentVolumeClaim() != null)
                    .anySatisfy(volume -> assertThat(volume.getPersistentVolumeClaim().getClaimName()).isEqualTo("spark-minibatches"));
        }
    }

    @Test
    void executorsAndTheirTrainersReachEachOtherOnTheSparkPortsOnly() {
        Chart.Rendered rendered = rendered(Scenario.SPARK_ON_KUBERNETES);
        NetworkPolicy intoTrainers = rendered.get(NetworkPolicy.class, "trainer-spark-driver");
        assertThat(intoTrainers.getSpec().getPodSelector().getMatchLabels()).containsEntry("app.kubernetes.io/component", "trainer");
        assertThat(allowedFrom(intoTrainers)).containsExactly("spark-executor");
        assertThat(intoTrainers.getSpec().getIngress()).singleElement().satisfies(rule ->
                assertThat(rule.getPorts()).extracting(NetworkPolicyPort::getPort).extracting(port -> port.getIntVal())
                        .containsExactlyInAnyOrder(7078, 7079));
        NetworkPolicy intoExecutors = rendered.get(NetworkPolicy.class, "spark-executor");
        assertThat(intoExecutors.getSpec().getPodSelector().getMatchLabels()).containsEntry("app.kubernetes.io/component", "spark-executor");
        assertThat(allowedFrom(intoExecutors)).containsExactlyInAnyOrder("trainer", "spark-executor");
        assertThat(intoExecutors.getSpec().getIngress()).singleElement().satisfies(rule ->
                assertThat(rule.getPorts()).extracting(NetworkPolicyPort::getPort).extracting(port -> port.getIntVal())
                        .containsExactly(7079));
        // Executors get nothing from the experiment service: they read the shared volume.
        assertThat(allowedFrom(rendered.get(NetworkPolicy.class, "experiment-service"))).doesNotContain("spark-executor");
        // The executors' labels are the ones the policies select.
        assertThat(executorTemplate(rendered, "trainer-cpu").getMetadata().getLabels())
                .containsAllEntriesOf(intoExecutors.getSpec().getPodSelector().getMatchLabels());
    }

    @Test
    void settingsThatAreNotTheDefaultsReachSparkAndTheTemplate() {
        Chart.Rendered rendered = Chart.render(Chart.values(
                "trainers.spark.kubernetes.enabled", true,
                "trainers.spark.kubernetes.exportVolume.existingClaim", "nfs-share",
                "trainers.spark.kubernetes.exportVolume.mountPath", "/shared/minibatches",
                "trainers.spark.kubernetes.driverPort", 40000,
                "trainers.spark.kubernetes.executor.cores", 2,
                "trainers.spark.kubernetes.executor.heapMiB", 4096,
                "trainers.spark.kubernetes.executor.nodeSelector.pool", "spark"));
        Map<String, Object> spark = spark(rendered, "trainer-cpu");
        assertThat(spark.get("export-dir")).isEqualTo("/shared/minibatches");
        assertThat(conf(spark))
                .containsEntry("[spark.driver.port]", "40000")
                .containsEntry("[spark.executor.cores]", "2")
                .containsEntry("[spark.executor.memory]", "4096m");
        Pod template = executorTemplate(rendered, "trainer-cpu");
        assertThat(template.getSpec().getNodeSelector()).containsEntry("pool", "spark");
        assertThat(template.getSpec().getContainers().get(0).getVolumeMounts())
                .anySatisfy(mount -> assertThat(mount.getMountPath()).isEqualTo("/shared/minibatches"));
        assertThat(rendered.get(NetworkPolicy.class, "trainer-spark-driver").getSpec().getIngress().get(0).getPorts())
                .extracting(port -> port.getPort().getIntVal()).contains(40000);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> spark(Chart.Rendered rendered, String pool) {
        var trainer = (Map<String, Object>) applicationYml(rendered.get(ConfigMap.class, pool)).get("trainer");
        return (Map<String, Object>) trainer.get("spark");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> conf(Map<String, Object> spark) {
        return (Map<String, Object>) spark.get("conf");
    }

    static Pod executorTemplate(Chart.Rendered rendered, String pool) {
        String yaml = rendered.get(ConfigMap.class, pool).getData().get(TEMPLATE);
        assertThat(yaml).as(pool + " " + TEMPLATE).isNotNull();
        return new KubernetesSerialization().unmarshal(yaml, Pod.class);
    }
}
