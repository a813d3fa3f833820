package dev.segplatform.helm;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.TemplateCommand;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The chart under test, rendered by Helm's own Go code (helm-java) and parsed into fabric8's typed
 * Kubernetes objects.
 */
final class Chart {

    static final String RELEASE = "seg";
    static final String NAMESPACE = "ml";
    /** The full name prefix of every object: the release name already differs from the chart's. */
    static final String PREFIX = RELEASE + "-segmentation-platform-";
    /** The chart needs 1.25 or later; Helm's offline default is older. */
    static final String KUBE_VERSION = "v1.31.0";

    private static final Pattern DOCUMENT_SEPARATOR = Pattern.compile("(?m)^---\\s*$");
    private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

    private Chart() {
    }

    static Path dir() {
        Path dir = Path.of(System.getProperty("chart.dir", "../helm/segmentation-platform")).toAbsolutePath().normalize();
        if (!Files.isRegularFile(dir.resolve("Chart.yaml"))) {
            throw new IllegalStateException("no chart at " + dir);
        }
        return dir;
    }

    static Helm helm() {
        FakeKubeApi.get();
        return new Helm(dir());
    }

    /** {@code helm template} with these {@code --set} values; throws with Helm's message when it fails. */
    static Rendered render(Map<String, ?> values) {
        TemplateCommand template = helm().template().withName(RELEASE).withNamespace(NAMESPACE)
                .withKubeVersion(KUBE_VERSION);
        values.forEach(template::set);
        return new Rendered(template.call());
    }

    static Rendered render() {
        return render(Map.of());
    }

    /** Values as {@code key, value, key, value, ...}, in order. */
    static Map<String, Object> values(Object... keysAndValues) {
        Map<String, Object> values = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            values.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        return values;
    }

    /** The output of one {@code helm template} run: the YAML text and its objects. */
    record Rendered(String yaml, List<HasMetadata> objects) {

        Rendered(String yaml) {
            this(yaml, parse(yaml));
        }

        private static List<HasMetadata> parse(String yaml) {
            List<HasMetadata> objects = new ArrayList<>();
            for (String document : DOCUMENT_SEPARATOR.split(yaml)) {
                if (document.lines().allMatch(line -> line.isBlank() || line.stripLeading().startsWith("#"))) {
                    continue;
                }
                Object parsed = SERIALIZATION.unmarshal(document);
                if (!(parsed instanceof HasMetadata object)) {
                    throw new IllegalStateException("not a Kubernetes object:\n" + document);
                }
                objects.add(object);
            }
            return List.copyOf(objects);
        }

        <T extends HasMetadata> List<T> all(Class<T> kind) {
            return objects.stream().filter(kind::isInstance).map(kind::cast).toList();
        }

        /** The object of this kind named {@code <release>-segmentation-platform-<suffix>}. */
        <T extends HasMetadata> T get(Class<T> kind, String suffix) {
            return find(kind, suffix).orElseThrow(() -> new NoSuchElementException(
                    "no " + kind.getSimpleName() + " " + PREFIX + suffix + " in " + names()));
        }

        <T extends HasMetadata> Optional<T> find(Class<T> kind, String suffix) {
            return all(kind).stream().filter(o -> o.getMetadata().getName().equals(PREFIX + suffix)).findFirst();
        }

        List<String> names() {
            return objects.stream().map(o -> o.getKind() + "/" + o.getMetadata().getName()).toList();
        }

        /** Pod templates of every workload (Deployments and StatefulSets), by workload name. */
        Map<String, PodTemplateSpec> podTemplates() {
            Map<String, PodTemplateSpec> pods = new LinkedHashMap<>();
            all(Deployment.class).forEach(d -> pods.put(d.getMetadata().getName(), d.getSpec().getTemplate()));
            all(StatefulSet.class).forEach(s -> pods.put(s.getMetadata().getName(), s.getSpec().getTemplate()));
            return pods;
        }

        /** Every container and init container of every workload. */
        Stream<Container> containers() {
            return podTemplates().values().stream().flatMap(pod -> Stream.concat(
                    pod.getSpec().getContainers().stream(),
                    Optional.ofNullable(pod.getSpec().getInitContainers()).orElse(List.of()).stream()));
        }

        /** The one container of a Deployment named by suffix. */
        Container container(String deploymentSuffix) {
            List<Container> containers = get(Deployment.class, deploymentSuffix).getSpec().getTemplate().getSpec().getContainers();
            if (containers.size() != 1) {
                throw new IllegalStateException(deploymentSuffix + " has " + containers.size() + " containers");
            }
            return containers.get(0);
        }
    }
}
