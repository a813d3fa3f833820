package dev.segplatform.helm;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.yaml.snakeyaml.Yaml;

/** What must hold however the chart is configured: checked on every scenario's rendering. */
class EveryScenarioTest {

    private static final Map<Scenario, Chart.Rendered> RENDERED = new EnumMap<>(Scenario.class);
    private static final List<String> HTTP_SERVICES = List.of("gateway", "experiment-service", "inference-service", "trainer");

    static synchronized Chart.Rendered rendered(Scenario scenario) {
        return RENDERED.computeIfAbsent(scenario, Scenario::render);
    }

    @ParameterizedTest
    @EnumSource(Scenario.class)
    void everyFieldIsOneKubernetesKnows(Scenario scenario) {
        for (var object : rendered(scenario).objects()) {
            assertThat(UnknownFields.of(object)).as(object.getKind() + " " + object.getMetadata().getName()).isEmpty();
        }
    }

    @ParameterizedTest
    @EnumSource(Scenario.class)
    void everyContainerHasProbesAndRequestsAndLimits(Scenario scenario) {
        List<Container> containers = rendered(scenario).containers().toList();
        assertThat(containers).hasSizeGreaterThanOrEqualTo(4);
        for (Container container : containers) {
            String name = container.getName();
            assertThat(container.getLivenessProbe()).as(name + " liveness").isNotNull();
            assertThat(container.getReadinessProbe()).as(name + " readiness").isNotNull();
            ResourceRequirements resources = container.getResources();
            assertThat(resources.getRequests()).as(name + " requests").containsKeys("cpu", "memory");
            assertThat(resources.getLimits()).as(name + " limits").containsKeys("cpu", "memory");
            assertThat(bytes(resources.getLimits().get("memory")))
                    .as(name + " memory limit >= request")
                    .isGreaterThanOrEqualTo(bytes(resources.getRequests().get("memory")));
        }
    }

    @ParameterizedTest
    @EnumSource(Scenario.class)
    void servicesProbeLivezAndReadyzOnTheirHttpPort(Scenario scenario) {
        rendered(scenario).podTemplates().forEach((workload, pod) -> {
            String component = component(pod);
            if (!HTTP_SERVICES.contains(component)) {
                return;
            }
            Container container = pod.getSpec().getContainers().get(0);
            assertThat(container.getPorts()).singleElement().satisfies(port -> assertThat(port.getName()).isEqualTo("http"));
            assertThat(container.getLivenessProbe().getHttpGet().getPath()).as(workload).isEqualTo("/livez");
            assertThat(container.getReadinessProbe().getHttpGet().getPath()).as(workload).isEqualTo("/readyz");
            assertThat(container.getStartupProbe().getHttpGet().getPath()).as(workload).isEqualTo("/livez");
            assertThat(container.getReadinessProbe().getHttpGet().getPort().getStrVal()).isEqualTo("http");
        });
    }

    @ParameterizedTest
    @EnumSource(Scenario.class)
    void podsRunAsNonRootOnAReadOnlyRootFilesystemWithAWritableTmp(Scenario scenario) {
        rendered(scenario).podTemplates().forEach((workload, pod) -> {
            PodSpec spec = pod.getSpec();
            assertThat(spec.getSecurityContext().getRunAsNonRoot()).as(workload).isTrue();
            assertThat(spec.getSecurityContext().getRunAsUser()).as(workload).isPositive();
            // Only trainers that are Spark drivers on Kubernetes call the Kubernetes API.
            boolean sparkDriver = scenario == Scenario.SPARK_ON_KUBERNETES && "trainer".equals(component(pod));
            assertThat(spec.getAutomountServiceAccountToken()).as(workload).isEqualTo(sparkDriver);
            for (Container container : spec.getContainers()) {
                var security = container.getSecurityContext();
                assertThat(security.getReadOnlyRootFilesystem()).as(workload).isTrue();
                assertThat(security.getAllowPrivilegeEscalation()).as(workload).isFalse();
                assertThat(security.getCapabilities().getDrop()).as(workload).containsExactly("ALL");
                assertThat(container.getVolumeMounts()).as(workload)
                        .anySatisfy(mount -> assertThat(mount.getMountPath()).isEqualTo("/tmp"));
            }
            assertThat(spec.getVolumes()).as(workload).anySatisfy(volume -> {
                assertThat(volume.getName()).isEqualTo("tmp");
                assertThat(volume.getEmptyDir()).isNotNull();
            });
        });
    }

    @ParameterizedTest
    @EnumSource(Scenario.class)
    void noSecretValueAppearsInAConfigMap(Scenario scenario) {
        Chart.Rendered rendered = rendered(scenario);
        List<String> secretValues = new ArrayList<>(List.of(Scenario.ADMIN_KEY, Scenario.API_KEY, Scenario.DB_PASSWORD));
        for (Secret secret : rendered.all(Secret.class)) {
            Optional.ofNullable(secret.getData()).orElse(Map.of()).values().forEach(value ->
                    secretValues.add(new String(Base64.getDecoder().decode(value), StandardCharsets.UTF_8)));
            Optional.ofNullable(secret.getStringData()).orElse(Map.of()).values().forEach(secretValues::add);
        }
        List<String> configText = rendered.all(ConfigMap.class).stream()
                .flatMap(configMap -> configMap.getData().values().stream()).toList();
        assertThat(configText).isNotEmpty();
        for (String config : configText) {
            for (String secret : secretValues) {
                // Key files hold several secrets; look for each line's key as well as the whole file.
                Stream.concat(Stream.of(secret.strip()), secret.lines().map(String::strip)
                                .filter(line -> !line.isEmpty() && !line.startsWith("#"))
                                .map(line -> line.substring(line.lastIndexOf(' ') + 1)))
                        .filter(value -> value.length() >= 8)
                        .forEach(value -> assertThat(config).doesNotContain(value));
            }
            assertThat(config).doesNotContainIgnoringCase("password");
        }
        // The environment carries secrets only by reference.
        rendered.containers().flatMap(container -> Optional.ofNullable(container.getEnv()).orElse(List.of()).stream())
                .filter(env -> env.getName().matches(".*(PASSWORD|_KEY)$"))
                .forEach(env -> {
                    assertThat(env.getValue()).as(env.getName()).isNull();
                    assertThat(env.getValueFrom().getSecretKeyRef()).as(env.getName()).isNotNull();
                });
    }

    @ParameterizedTest
    @EnumSource(Scenario.class)
    void theExperimentServiceAlwaysGetsADatasourceSoNeverStartsItsEmbeddedDatabase(Scenario scenario) {
        Chart.Rendered rendered = rendered(scenario);
        Map<String, Object> config = applicationYml(rendered.get(ConfigMap.class, "experiment-service"));
        @SuppressWarnings("unchecked")
        Map<String, Object> datasource = (Map<String, Object>) ((Map<String, Object>) config.get("spring")).get("datasource");
        assertThat((String) datasource.get("url")).startsWith("jdbc:postgresql://");
        assertThat(datasource.get("username")).isNotNull();

        Container container = rendered.container("experiment-service");
        EnvVar password = env(container, "SPRING_DATASOURCE_PASSWORD");
        assertThat(password.getValueFrom().getSecretKeyRef().getName()).isNotBlank();
        assertThat(env(container, "SPRING_CONFIG_ADDITIONAL_LOCATION").getValue()).isEqualTo("optional:file:/config/");
        assertThat(container.getVolumeMounts()).anySatisfy(mount -> {
            assertThat(mount.getName()).isEqualTo("data");
            assertThat(mount.getMountPath()).isEqualTo("/data");
        });
        assertThat(((Map<?, ?>) config.get("experiment")).get("data-dir")).isEqualTo("/data");
    }

    @ParameterizedTest
    @EnumSource(Scenario.class)
    void networkPoliciesDenyByDefaultAndOpenOnlyTheNamedPaths(Scenario scenario) {
        Chart.Rendered rendered = rendered(scenario);
        NetworkPolicy deny = rendered.get(NetworkPolicy.class, "default-deny");
        assertThat(deny.getSpec().getPodSelector().getMatchLabels())
                .containsEntry("app.kubernetes.io/instance", Chart.RELEASE)
                .doesNotContainKey("app.kubernetes.io/component");
        assertThat(deny.getSpec().getPolicyTypes()).containsExactly("Ingress");
        assertThat(deny.getSpec().getIngress()).isNullOrEmpty();

        assertThat(allowedFrom(rendered.get(NetworkPolicy.class, "experiment-service")))
                .containsExactlyInAnyOrder("gateway", "trainer", "inference-service");
        assertThat(allowedFrom(rendered.get(NetworkPolicy.class, "inference-service"))).containsExactly("gateway");
        // The gateway: one rule on its port, from anywhere unless networkPolicy.gatewayFrom says otherwise.
        var gatewayRules = rendered.get(NetworkPolicy.class, "gateway").getSpec().getIngress();
        assertThat(gatewayRules).singleElement().satisfies(rule -> assertThat(rule.getFrom()).isNullOrEmpty());
        // Trainers take no traffic, but from their Spark executors when those run on Kubernetes.
        List<NetworkPolicy> intoTrainers = rendered.all(NetworkPolicy.class).stream().filter(policy ->
                "trainer".equals(policy.getSpec().getPodSelector().getMatchLabels().get("app.kubernetes.io/component"))).toList();
        if (scenario == Scenario.SPARK_ON_KUBERNETES) {
            assertThat(intoTrainers).singleElement().satisfies(policy ->
                    assertThat(allowedFrom(policy)).containsExactly("spark-executor"));
        } else {
            assertThat(intoTrainers).isEmpty();
        }
    }

    @ParameterizedTest
    @EnumSource(Scenario.class)
    void gpusAreRequestedOnlyByPodsOfAGpuPoolRunningTheCudaImage(Scenario scenario) {
        rendered(scenario).podTemplates().forEach((workload, pod) -> {
            Container container = pod.getSpec().getContainers().get(0);
            boolean gpu = container.getResources().getLimits().containsKey("nvidia.com/gpu");
            boolean cuda = container.getImage().endsWith("-cuda");
            assertThat(gpu).as(workload + " GPU limit vs image " + container.getImage()).isEqualTo(cuda);
            if (gpu) {
                assertThat(pod.getMetadata().getLabels()).containsEntry("app.kubernetes.io/component", "trainer");
                assertThat(container.getResources().getRequests().get("nvidia.com/gpu"))
                        .isEqualTo(container.getResources().getLimits().get("nvidia.com/gpu"));
            }
        });
    }

    @ParameterizedTest
    @EnumSource(Scenario.class)
    void dl4jPodsCapHeapPlusOffHeapBelowTheirMemoryLimit(Scenario scenario) {
        Pattern option = Pattern.compile("-(?:XX:MaxRAMPercentage=|Dorg\\.bytedeco\\.javacpp\\.(maxbytes|maxphysicalbytes)=)(\\d+)m?");
        rendered(scenario).podTemplates().forEach((workload, pod) -> {
            String component = component(pod);
            if (!HTTP_SERVICES.contains(component)) {
                return;
            }
            Container container = pod.getSpec().getContainers().get(0);
            String opts = env(container, "JAVA_TOOL_OPTIONS").getValue();
            assertThat(opts).contains("-Dorg.bytedeco.javacpp.cachedir=/tmp/javacpp", "-Djava.io.tmpdir=/tmp");
            long limitMiB = bytes(container.getResources().getLimits().get("memory")) >> 20;
            long heapPercent = 0;
            long maxBytes = 0;
            long maxPhysical = 0;
            Matcher matcher = option.matcher(opts);
            while (matcher.find()) {
                long number = Long.parseLong(matcher.group(2));
                if (matcher.group(1) == null) {
                    heapPercent = number;
                } else if (matcher.group(1).equals("maxbytes")) {
                    maxBytes = number;
                } else {
                    maxPhysical = number;
                }
            }
            assertThat(heapPercent).as(workload).isBetween(1L, 90L);
            if (component.equals("trainer") || component.equals("inference-service")) {
                assertThat(maxBytes).as(workload + " off-heap").isPositive();
                assertThat(maxPhysical).as(workload + " physical").isGreaterThan(maxBytes).isLessThanOrEqualTo(limitMiB * 9 / 10);
                assertThat(limitMiB * heapPercent / 100 + maxBytes).as(workload).isLessThanOrEqualTo(maxPhysical + 1);
            }
        });
    }

    static String component(PodTemplateSpec pod) {
        return pod.getMetadata().getLabels().get("app.kubernetes.io/component");
    }

    static EnvVar env(Container container, String name) {
        return container.getEnv().stream().filter(env -> env.getName().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError(container.getName() + " has no env " + name));
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> applicationYml(ConfigMap configMap) {
        return (Map<String, Object>) new Yaml().load(configMap.getData().get("application.yml"));
    }

    private static long bytes(Quantity quantity) {
        return Quantity.getAmountInBytes(quantity).longValueExact();
    }

    static List<String> allowedFrom(NetworkPolicy policy) {
        return policy.getSpec().getIngress().stream()
                .flatMap(rule -> rule.getFrom().stream())
                .map(peer -> peer.getPodSelector().getMatchLabels().get("app.kubernetes.io/component"))
                .toList();
    }
}
