package dev.segplatform.helm;

import static dev.segplatform.helm.EveryScenarioTest.applicationYml;
import static dev.segplatform.helm.EveryScenarioTest.env;
import static dev.segplatform.helm.EveryScenarioTest.rendered;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What each value set turns into. */
class ScenarioTest {

    @Test
    void defaultsRenderEveryComponentWithBundledPostgresAndNoIngress() {
        Chart.Rendered rendered = rendered(Scenario.DEFAULTS);
        assertThat(rendered.all(Deployment.class)).extracting(d -> d.getMetadata().getName()).containsExactlyInAnyOrder(
                Chart.PREFIX + "gateway", Chart.PREFIX + "experiment-service",
                Chart.PREFIX + "inference-service", Chart.PREFIX + "trainer-cpu");
        assertThat(rendered.all(Service.class)).extracting(s -> s.getMetadata().getName()).contains(
                Chart.PREFIX + "gateway", Chart.PREFIX + "experiment-service", Chart.PREFIX + "inference-service",
                Chart.PREFIX + "postgresql");
        assertThat(rendered.all(Service.class)).allSatisfy(s -> assertThat(s.getSpec().getType()).isIn(null, "ClusterIP"));
        assertThat(rendered.all(Ingress.class)).isEmpty();

        StatefulSet postgres = rendered.get(StatefulSet.class, "postgresql");
        assertThat(postgres.getSpec().getReplicas()).isEqualTo(1);
        assertThat(postgres.getSpec().getVolumeClaimTemplates()).singleElement()
                .satisfies(claim -> assertThat(claim.getSpec().getResources().getRequests().get("storage"))
                        .isEqualTo(new Quantity("20Gi")));
        assertThat(allowedComponents(rendered.get(NetworkPolicy.class, "postgresql"))).containsExactly("experiment-service");
        assertThat(rendered.get(Secret.class, "postgresql").getData()).containsKey("password");
    }

    @Test
    void experimentSettingsReachItsConfigMapUnderTheServicesOwnNames() {
        Map<String, Object> defaults = experimentSettings(rendered(Scenario.DEFAULTS));
        assertThat(defaults).containsEntry("sweep-interval", "5s").containsEntry("count-compaction-interval", "1s")
                .containsEntry("max-queued-jobs", 10000);
        Map<String, Object> set = experimentSettings(Chart.render(Chart.values(
                "experiment.countCompactionInterval", "30s", "experiment.sweepInterval", "2s")));
        assertThat(set).containsEntry("count-compaction-interval", "30s").containsEntry("sweep-interval", "2s");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> experimentSettings(Chart.Rendered rendered) {
        return (Map<String, Object>) applicationYml(rendered.get(ConfigMap.class, "experiment-service")).get("experiment");
    }

    @Test
    void theArtifactStoreIsAKeptClaimOfTheConfiguredSizeAndClass() {
        Chart.Rendered rendered = Chart.render(Chart.values(
                "experiment.persistence.size", "200Gi", "experiment.persistence.storageClass", "fast-ssd"));
        PersistentVolumeClaim claim = rendered.get(PersistentVolumeClaim.class, "experiment-service-artifacts");
        assertThat(claim.getSpec().getResources().getRequests().get("storage")).isEqualTo(new Quantity("200Gi"));
        assertThat(claim.getSpec().getStorageClassName()).isEqualTo("fast-ssd");
        assertThat(claim.getMetadata().getAnnotations()).containsEntry("helm.sh/resource-policy", "keep");
        Deployment experiment = rendered.get(Deployment.class, "experiment-service");
        // One node at a time may attach a ReadWriteOnce volume.
        assertThat(experiment.getSpec().getStrategy().getType()).isEqualTo("Recreate");
        assertThat(experiment.getSpec().getTemplate().getSpec().getVolumes())
                .filteredOn(volume -> volume.getPersistentVolumeClaim() != null)
                .singleElement().satisfies(volume -> assertThat(volume.getPersistentVolumeClaim().getClaimName())
                        .isEqualTo(claim.getMetadata().getName()));
    }

    @Test
    void trainersGetTimeToCheckpointAndTheirSettingsFromTheirPoolsConfigMap() {
        Chart.Rendered rendered = rendered(Scenario.DEFAULTS);
        Deployment trainer = rendered.get(Deployment.class, "trainer-cpu");
        assertThat(trainer.getSpec().getTemplate().getSpec().getTerminationGracePeriodSeconds()).isEqualTo(600L);
        Map<String, Object> config = applicationYml(rendered.get(ConfigMap.class, "trainer-cpu"));
        assertThat(config).extractingByKey("trainer").asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.MAP)
                .containsEntry("experiment-url", "http://" + Chart.PREFIX + "experiment-service:8081")
                .containsEntry("slots", 1)
                .containsEntry("work-dir", "/work")
                .containsEntry("datasets-root", "/datasets");
        // Spring's shutdown phase ends before the kubelet's SIGKILL.
        assertThat(config.get("spring").toString()).contains("timeout-per-shutdown-phase=570s");
        Container container = trainer.getSpec().getTemplate().getSpec().getContainers().get(0);
        assertThat(env(container, "TRAINER_WORKER_ID").getValueFrom().getFieldRef().getFieldPath()).isEqualTo("metadata.name");
        assertThat(trainer.getSpec().getTemplate().getSpec().getVolumes()).anySatisfy(volume -> {
            assertThat(volume.getName()).isEqualTo("work");
            assertThat(volume.getEmptyDir().getSizeLimit()).isEqualTo(new Quantity("20Gi"));
        });
    }

    @Test
    void theDatasetsVolumeIsMountedReadOnlyIntoTrainersOnly() {
        Chart.Rendered rendered = Chart.render(Chart.values(
                "trainers.datasets.enabled", true, "trainers.datasets.existingClaim", "pets-data",
                "trainers.pools.gpu.enabled", true));
        for (String pool : new String[] {"trainer-cpu", "trainer-gpu"}) {
            var spec = rendered.get(Deployment.class, pool).getSpec().getTemplate().getSpec();
            assertThat(spec.getVolumes()).filteredOn(volume -> volume.getPersistentVolumeClaim() != null)
                    .singleElement().satisfies(volume -> {
                assertThat(volume.getPersistentVolumeClaim().getClaimName()).isEqualTo("pets-data");
                assertThat(volume.getPersistentVolumeClaim().getReadOnly()).isTrue();
            });
            assertThat(spec.getContainers().get(0).getVolumeMounts()).anySatisfy(mount -> {
                assertThat(mount.getMountPath()).isEqualTo("/datasets");
                assertThat(mount.getReadOnly()).isTrue();
            });
        }
        for (String other : new String[] {"gateway", "experiment-service", "inference-service"}) {
            assertThat(rendered.get(Deployment.class, other).getSpec().getTemplate().getSpec().getVolumes())
                    .noneSatisfy(volume -> assertThat(volume.getName()).isEqualTo("datasets"));
        }
    }

    @Test
    void inferenceScalesOnCpuAndGatewayAndInferenceKeepAPodThroughDisruptions() {
        Chart.Rendered rendered = rendered(Scenario.DEFAULTS);
        HorizontalPodAutoscaler hpa = rendered.get(HorizontalPodAutoscaler.class, "inference-service");
        assertThat(hpa.getSpec().getScaleTargetRef().getName()).isEqualTo(Chart.PREFIX + "inference-service");
        assertThat(hpa.getSpec().getMinReplicas()).isEqualTo(2);
        assertThat(hpa.getSpec().getMaxReplicas()).isEqualTo(6);
        assertThat(hpa.getSpec().getMetrics()).singleElement().satisfies(metric ->
                assertThat(metric.getResource().getName()).isEqualTo("cpu"));
        // The HPA owns the replica count.
        assertThat(rendered.get(Deployment.class, "inference-service").getSpec().getReplicas()).isNull();
        assertThat(rendered.all(HorizontalPodAutoscaler.class)).hasSize(1);

        assertThat(rendered.all(PodDisruptionBudget.class)).extracting(pdb ->
                pdb.getSpec().getSelector().getMatchLabels().get("app.kubernetes.io/component"))
                .containsExactlyInAnyOrder("gateway", "inference-service");
    }

    @Test
    void inferenceSettingsReachItsConfigMapAndAPinnedRunOnlyWhenGiven() {
        Map<String, Object> defaults = applicationYml(rendered(Scenario.DEFAULTS).get(ConfigMap.class, "inference-service"));
        assertThat(defaults.get("inference").toString()).contains("metric=val_mean_iou", "mode=max", "poll-interval=30s")
                .doesNotContain("run-id", "experiment-id");
        Map<String, Object> pinned = applicationYml(Chart.render(Chart.values(
                "inference.runId", 42, "inference.experimentId", 7, "inference.pollInterval", "10s"))
                .get(ConfigMap.class, "inference-service"));
        assertThat(pinned.get("inference").toString()).contains("run-id=42", "experiment-id=7", "poll-interval=10s");
    }

    @Test
    void externalPostgresReplacesTheBundledOneAndComesWithTheGivenSecret() {
        Chart.Rendered rendered = rendered(Scenario.EXTERNAL_POSTGRES);
        assertThat(rendered.all(StatefulSet.class)).isEmpty();
        assertThat(rendered.find(Secret.class, "postgresql")).isEmpty();
        assertThat(rendered.find(NetworkPolicy.class, "postgresql")).isEmpty();
        Map<String, Object> config = applicationYml(rendered.get(ConfigMap.class, "experiment-service"));
        assertThat(config.get("spring").toString()).contains(
                "url=jdbc:postgresql://pg.databases.svc.cluster.local:6432/segmentation?sslmode=require");
        var password = env(rendered.container("experiment-service"), "SPRING_DATASOURCE_PASSWORD")
                .getValueFrom().getSecretKeyRef();
        assertThat(password.getName()).isEqualTo("managed-pg");
        assertThat(password.getKey()).isEqualTo("pg-password");
    }

    @Test
    void inferenceOnAGpuServesOneCopyOfTheModelAndOnCpusLeavesTheCopiesToTheCores() {
        Container gpu = Chart.render(Chart.values("inference.image.flavor", "cuda", "inference.gpus", 1))
                .container("inference-service");
        assertThat(env(gpu, "INFERENCE_INSTANCES").getValue()).isEqualTo("1");
        Container cpu = rendered(Scenario.DEFAULTS).container("inference-service");
        assertThat(cpu.getEnv()).noneMatch(e -> e.getName().equals("INFERENCE_INSTANCES"));
    }

    @Test
    void theGpuPoolRequestsGpusOnGpuNodesWithTheCudaImage() {
        Chart.Rendered rendered = rendered(Scenario.GPU_POOL);
        Deployment gpu = rendered.get(Deployment.class, "trainer-gpu");
        var spec = gpu.getSpec().getTemplate().getSpec();
        Container container = spec.getContainers().get(0);
        assertThat(gpu.getSpec().getReplicas()).isEqualTo(2);
        assertThat(container.getImage()).isEqualTo("segplatform/trainer-service:0.1.0-rc1-cuda");
        assertThat(container.getResources().getLimits()).containsEntry("nvidia.com/gpu", new Quantity("1"));
        assertThat(spec.getNodeSelector()).containsEntry("nvidia.com/gpu.present", "true");
        assertThat(spec.getTolerations()).anySatisfy(t -> assertThat(t.getKey()).isEqualTo("nvidia.com/gpu"));
        assertThat(spec.getTerminationGracePeriodSeconds()).isEqualTo(600L);

        Container cpu = rendered.container("trainer-cpu");
        assertThat(cpu.getImage()).isEqualTo("segplatform/trainer-service:0.1.0");
        assertThat(cpu.getResources().getLimits()).doesNotContainKey("nvidia.com/gpu");
        // Each pool has its own ConfigMap, and both pools' pods are trainers to the network policies.
        assertThat(applicationYml(rendered.get(ConfigMap.class, "trainer-gpu")).get("trainer").toString())
                .contains("max-devices=1");
        assertThat(gpu.getSpec().getTemplate().getMetadata().getLabels())
                .containsEntry("app.kubernetes.io/component", "trainer")
                .containsEntry("segplatform.dev/trainer-pool", "gpu");
    }

    @Test
    void theIngressPublishesTheGatewayOnly() {
        Chart.Rendered rendered = rendered(Scenario.INGRESS);
        Ingress ingress = rendered.get(Ingress.class, "gateway");
        assertThat(ingress.getSpec().getIngressClassName()).isEqualTo("nginx");
        assertThat(ingress.getSpec().getTls()).singleElement().satisfies(tls -> assertThat(tls.getSecretName()).isEqualTo("seg-tls"));
        assertThat(ingress.getSpec().getRules()).singleElement().satisfies(rule -> {
            assertThat(rule.getHost()).isEqualTo("seg.example.org");
            assertThat(rule.getHttp().getPaths()).allSatisfy(path -> {
                assertThat(path.getBackend().getService().getName()).isEqualTo(Chart.PREFIX + "gateway");
                assertThat(path.getBackend().getService().getPort().getName()).isEqualTo("http");
            });
        });
        assertThat(rendered.all(Ingress.class)).hasSize(1);
        // X-Forwarded-* from the ingress controller is trusted only when asked for.
        assertThat(applicationYml(rendered.get(ConfigMap.class, "gateway")).get("spring").toString())
                .contains("trusted-proxies=10\\.42\\.\\d+\\.\\d+");
    }

    @Test
    void theGatewayReadsTheAdminKeyFromASecretAndApiKeysFromAMountedSecretFile() {
        Chart.Rendered rendered = rendered(Scenario.DEFAULTS);
        Container gateway = rendered.container("gateway");
        var adminRef = env(gateway, "GATEWAY_ADMIN_KEY").getValueFrom().getSecretKeyRef();
        Secret admin = rendered.get(Secret.class, "admin-key");
        assertThat(adminRef.getName()).isEqualTo(admin.getMetadata().getName());
        assertThat(decode(admin.getData().get(adminRef.getKey()))).isEqualTo(Scenario.ADMIN_KEY);

        Secret keys = rendered.get(Secret.class, "api-keys");
        assertThat(keys.getStringData().get("api-keys")).contains("mobile-app client " + Scenario.API_KEY);
        Map<String, Object> config = applicationYml(rendered.get(ConfigMap.class, "gateway"));
        assertThat(config.get("gateway").toString()).contains("api-keys-file=/secrets/api-keys/api-keys",
                "experiment-url=http://" + Chart.PREFIX + "experiment-service:8081",
                "inference-url=http://" + Chart.PREFIX + "inference-service:8083");
        assertThat(gateway.getVolumeMounts()).anySatisfy(mount -> {
            assertThat(mount.getMountPath()).isEqualTo("/secrets/api-keys");
            assertThat(mount.getReadOnly()).isTrue();
        });
    }

    @Test
    void aGeneratedAdminKeyIsRandomAtInstallAndKeptFromTheLiveSecretOnUpgrade() {
        String secretName = Chart.PREFIX + "admin-key";
        String fresh = decode(Chart.render().get(Secret.class, "admin-key").getData().get("admin-key"));
        assertThat(fresh).hasSize(40).matches("[A-Za-z0-9]+");
        assertThat(decode(Chart.render().get(Secret.class, "admin-key").getData().get("admin-key"))).isNotEqualTo(fresh);

        FakeKubeApi.get().putSecret(Chart.NAMESPACE, secretName, Map.of("admin-key", "the-key-clients-already-use"));
        try {
            assertThat(decode(Chart.render().get(Secret.class, "admin-key").getData().get("admin-key")))
                    .isEqualTo("the-key-clients-already-use");
        } finally {
            FakeKubeApi.get().removeSecret(Chart.NAMESPACE, secretName);
        }
    }

    @Test
    void theExperimentServiceAndTheTrainersShareTheInternalTokenFromOneSecret() {
        Chart.Rendered rendered = Chart.render(Chart.values("trainers.datasets.enabled", true,
                "trainers.datasets.existingClaim", "pets-data", "trainers.pools.gpu.enabled", true));
        Secret secret = rendered.get(Secret.class, "internal-token");
        String token = decode(secret.getData().get("internal-token"));
        assertThat(token).hasSize(48).matches("[A-Za-z0-9]+");
        var experimentRef = env(rendered.container("experiment-service"), "EXPERIMENT_INTERNAL_TOKEN")
                .getValueFrom().getSecretKeyRef();
        assertThat(experimentRef.getName()).isEqualTo(secret.getMetadata().getName());
        assertThat(experimentRef.getKey()).isEqualTo("internal-token");
        for (String pool : new String[] {"trainer-cpu", "trainer-gpu"}) {
            var trainerRef = env(rendered.container(pool), "TRAINER_INTERNAL_TOKEN").getValueFrom().getSecretKeyRef();
            assertThat(trainerRef.getName()).as(pool).isEqualTo(secret.getMetadata().getName());
            assertThat(trainerRef.getKey()).as(pool).isEqualTo("internal-token");
        }
        // Only those two: the gateway and inference never see it.
        for (String other : new String[] {"gateway", "inference-service"}) {
            assertThat(rendered.container(other).getEnv()).as(other)
                    .noneMatch(env -> env.getValueFrom() != null && env.getValueFrom().getSecretKeyRef() != null
                            && secret.getMetadata().getName().equals(env.getValueFrom().getSecretKeyRef().getName()));
        }
    }

    @Test
    void aGeneratedInternalTokenIsRandomAtInstallAndKeptFromTheLiveSecretOnUpgrade() {
        String secretName = Chart.PREFIX + "internal-token";
        String fresh = decode(Chart.render().get(Secret.class, "internal-token").getData().get("internal-token"));
        assertThat(decode(Chart.render().get(Secret.class, "internal-token").getData().get("internal-token")))
                .isNotEqualTo(fresh);

        FakeKubeApi.get().putSecret(Chart.NAMESPACE, secretName, Map.of("internal-token", "the-token-trainers-hold"));
        try {
            assertThat(decode(Chart.render().get(Secret.class, "internal-token").getData().get("internal-token")))
                    .isEqualTo("the-token-trainers-hold");
        } finally {
            FakeKubeApi.get().removeSecret(Chart.NAMESPACE, secretName);
        }
    }

    @Test
    void anExistingSecretReplacesTheChartsInternalToken() {
        Chart.Rendered rendered = Chart.render(Chart.values("experiment.internalToken.existingSecret", "seg-internal",
                "experiment.internalToken.existingSecretKey", "token"));
        assertThat(rendered.all(Secret.class)).noneMatch(s -> s.getMetadata().getName().endsWith("internal-token"));
        var ref = env(rendered.container("trainer-cpu"), "TRAINER_INTERNAL_TOKEN").getValueFrom().getSecretKeyRef();
        assertThat(ref.getName()).isEqualTo("seg-internal");
        assertThat(ref.getKey()).isEqualTo("token");
    }

    @Test
    void notesTellHowToReachTheGatewayAndReadTheAdminKey() {
        String notes = Chart.helm().install().withName(Chart.RELEASE).withNamespace(Chart.NAMESPACE)
                .withKubeVersion(Chart.KUBE_VERSION).dryRun().withDryRunOption(com.marcnuri.helm.DryRun.CLIENT)
                .clientOnly().call().getOutput();
        assertThat(notes).contains(
                "kubectl -n ml port-forward svc/" + Chart.PREFIX + "gateway 8080:8080",
                "kubectl -n ml get secret " + Chart.PREFIX + "admin-key -o jsonpath='{.data.admin-key}' | base64 -d");
    }

    private static String decode(String base64) {
        return new String(Base64.getDecoder().decode(base64), StandardCharsets.UTF_8);
    }

    private static java.util.List<String> allowedComponents(NetworkPolicy policy) {
        return policy.getSpec().getIngress().stream().flatMap(rule -> rule.getFrom().stream())
                .map(peer -> peer.getPodSelector().getMatchLabels().get("app.kubernetes.io/component")).toList();
    }
}
