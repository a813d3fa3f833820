package dev.segplatform.trainer.training;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.segplatform.trainer.TrainerProperties;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The trainer's Spark on a {@code k8s://} master, against a fake Kubernetes API on this machine (there
 * is no cluster here): with the settings the chart gives trainers, Spark's Kubernetes cluster manager
 * (spark-kubernetes and its fabric8 client, on the trainer's class path) asks the API for the
 * trainer's own pod and creates one executor pod per worker from the chart's pod template, owned by
 * the trainer's pod. The test then does what the kubelet would: it runs each pod's command, the
 * image's {@code docker/spark-executor.sh}, with the pod's environment, as a process here, on a
 * folder laid out like the image's {@code /app} (BOOT-INF/classes, BOOT-INF/classpath.idx) that holds
 * this test's class path; the executors register with the driver and run a job.
 */
class SparkOnKubernetesDriverTest {

    private static final Logger log = LoggerFactory.getLogger(SparkOnKubernetesDriverTest.class);
    private static final String NAMESPACE = "ml";
    private static final String DRIVER_POD = "seg-segmentation-platform-trainer-cpu-7d9f8-x2x7q";
    private static final String IMAGE = "registry.example.com/seg/trainer-service:0.1.0";
    /** What the chart's executor-pod-template.yaml renders to with its defaults (release seg). */
    private static final String POD_TEMPLATE = """
            apiVersion: v1
            kind: Pod
            metadata:
              labels:
                app.kubernetes.io/name: segmentation-platform
                app.kubernetes.io/instance: seg
                app.kubernetes.io/component: spark-executor
                segplatform.dev/trainer-pool: cpu
            spec:
              serviceAccountName: seg-segmentation-platform
              automountServiceAccountToken: false
              securityContext:
                runAsNonRoot: true
                runAsUser: 10001
              containers:
                - name: executor
                  image: %s
                  command: ["/app/spark-executor.sh"]
                  env:
                    - name: JAVA_TOOL_OPTIONS
                      value: "-XX:+ExitOnOutOfMemoryError -Djava.io.tmpdir=/tmp"
                  securityContext:
                    readOnlyRootFilesystem: true
                  volumeMounts:
                    - name: tmp
                      mountPath: /tmp
                    - name: spark-export
                      mountPath: /spark-export
                      readOnly: true
              volumes:
                - name: tmp
                  emptyDir: {}
                - name: spark-export
                  persistentVolumeClaim:
                    claimName: spark-minibatches
                    readOnly: true
            """.formatted(IMAGE);

    private final String driverUid = UUID.randomUUID().toString();
    private final List<String> requests = new CopyOnWriteArrayList<>();
    private final List<Pod> createdPods = new CopyOnWriteArrayList<>();
    private final CountDownLatch twoPodsCreated = new CountDownLatch(2);
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final ExecutorService handlers = Executors.newCachedThreadPool();
    private HttpServer api;

    @BeforeEach
    void startFakeApi() throws IOException {
        api = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        api.setExecutor(handlers);
        api.createContext("/", this::answer);
        api.start();
    }

    @AfterEach
    void stopFakeApi() {
        stopped.countDown();
        api.stop(0);
        handlers.shutdownNow();
        log.info("Spark asked the Kubernetes API for: {}", requests);
    }

    @Test
    void sparkCreatesOneExecutorPodPerWorkerFromTheTemplateOwnedByTheTrainersPodAndTheImagesScriptRunsThem(@TempDir Path dir) throws Exception {
        Path template = Files.writeString(dir.resolve("executor-pod-template.yaml"), POD_TEMPLATE);
        // The keys the chart writes into a trainer pool's application.yml, with this machine's addresses.
        Map<String, String> conf = Map.ofEntries(
                Map.entry("spark.kubernetes.namespace", NAMESPACE),
                Map.entry("spark.kubernetes.container.image", IMAGE),
                Map.entry("spark.kubernetes.driver.pod.name", DRIVER_POD),
                Map.entry("spark.driver.host", "127.0.0.1"),
                Map.entry("spark.driver.bindAddress", "127.0.0.1"),
                Map.entry("spark.kubernetes.executor.podTemplateFile", template.toString()),
                Map.entry("spark.kubernetes.executor.podTemplateContainerName", "executor"),
                Map.entry("spark.kubernetes.executor.disableConfigMap", "true"),
                Map.entry("spark.kubernetes.driver.ownPersistentVolumeClaim", "false"),
                Map.entry("spark.kubernetes.driver.reusePersistentVolumeClaim", "false"),
                Map.entry("spark.executor.cores", "1"),
                Map.entry("spark.kubernetes.executor.limit.cores", "2"),
                Map.entry("spark.executor.memory", "2048m"),
                Map.entry("spark.executor.memoryOverhead", "3584m"),
                // No executor will register: do not wait for them before handing back the context.
                Map.entry("spark.scheduler.minRegisteredResourcesRatio", "0"));
        TrainerProperties.Spark settings = new TrainerProperties.Spark(
                "k8s://http://127.0.0.1:" + api.getAddress().getPort(), dir, conf);
        SparkConf sparkConf = SparkDriver.sparkConf(settings, 42, 2);

        JavaSparkContext context = new JavaSparkContext(sparkConf);
        List<Process> executors = new ArrayList<>();
        try {
            assertThat(twoPodsCreated.await(2, TimeUnit.MINUTES)).as("executor pods created; requests: %s", requests).isTrue();
            // Under target/, kept after the run for the executors' logs; its class path is symbolic links.
            Path work = Path.of("target/spark-on-kubernetes").toAbsolutePath();
            deleteRecursively(work);
            Path app = imageLikeAppFolder(work.resolve("app"));
            for (Pod pod : createdPods) {
                executors.add(runLikeTheKubelet(pod, app, work));
            }
            // The executors' JVMs register with the driver (which lists itself as well).
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
            while (context.sc().statusTracker().getExecutorInfos().length < 3) {
                assertThat(executors).as("executor processes; logs in target/spark-on-kubernetes").allMatch(Process::isAlive);
                assertThat(System.nanoTime()).as("executors registered; logs in target/spark-on-kubernetes").isLessThan(deadline);
                Thread.sleep(500);
            }
            List<Integer> doubled = context.parallelize(List.of(1, 2, 3, 4), 2).map(x -> x * 2).collect();
            assertThat(doubled).containsExactly(2, 4, 6, 8);
        } finally {
            context.stop();
            for (Process executor : executors) {
                if (!executor.waitFor(1, TimeUnit.MINUTES)) {
                    executor.destroyForcibly();
                }
            }
        }

        assertThat(requests).contains("GET /api/v1/namespaces/" + NAMESPACE + "/pods/" + DRIVER_POD);
        // Within what the chart's Role grants: pods, services and ConfigMaps of the namespace, no claims.
        assertThat(requests).allSatisfy(request -> assertThat(request)
                .matches("(GET|POST|DELETE) /api/v1/namespaces/" + NAMESPACE + "/(pods|services|configmaps)([/?].*)?"));
        assertThat(requests).anySatisfy(request -> assertThat(request).startsWith("DELETE /api/v1/namespaces/" + NAMESPACE + "/pods?"));
        assertThat(createdPods).hasSize(2);
        for (Pod pod : createdPods) {
            assertThat(pod.getMetadata().getNamespace()).isIn(null, NAMESPACE);
            assertThat(pod.getMetadata().getName()).startsWith("segplatform-run-42-").contains("-exec-");
            assertThat(pod.getMetadata().getOwnerReferences()).singleElement().satisfies(owner -> {
                assertThat(owner.getKind()).isEqualTo("Pod");
                assertThat(owner.getName()).isEqualTo(DRIVER_POD);
                assertThat(owner.getUid()).isEqualTo(driverUid);
            });
            // The template's labels stay, beside Spark's own.
            assertThat(pod.getMetadata().getLabels())
                    .containsEntry("app.kubernetes.io/component", "spark-executor")
                    .containsEntry("spark-role", "executor");
            assertThat(pod.getSpec().getAutomountServiceAccountToken()).isFalse();
            Container executor = pod.getSpec().getContainers().get(0);
            assertThat(pod.getSpec().getContainers()).hasSize(1);
            assertThat(executor.getName()).isEqualTo("executor");
            assertThat(executor.getImage()).isEqualTo(IMAGE);
            assertThat(executor.getCommand()).containsExactly("/app/spark-executor.sh");
            assertThat(executor.getArgs()).containsExactly("executor");
            assertThat(env(executor, "SPARK_DRIVER_URL")).startsWith("spark://CoarseGrainedScheduler@127.0.0.1:");
            assertThat(env(executor, "SPARK_EXECUTOR_MEMORY")).isEqualTo("2048m");
            assertThat(env(executor, "SPARK_EXECUTOR_CORES")).isEqualTo("1");
            assertThat(env(executor, "JAVA_TOOL_OPTIONS")).contains("-Djava.io.tmpdir=/tmp");
            assertThat(executor.getEnv()).extracting(EnvVar::getName).contains(
                    "SPARK_EXECUTOR_ID", "SPARK_APPLICATION_ID", "SPARK_EXECUTOR_POD_IP", "SPARK_RESOURCE_PROFILE_ID",
                    "SPARK_EXECUTOR_POD_NAME", "SPARK_JAVA_OPT_0");
            // Heap plus the off-heap overhead, as the pod's memory.
            assertThat(executor.getResources().getLimits().get("memory").toString()).isEqualTo("5632Mi");
            assertThat(executor.getResources().getLimits().get("cpu").toString()).isEqualTo("2");
            assertThat(executor.getVolumeMounts()).anySatisfy(mount -> {
                assertThat(mount.getMountPath()).isEqualTo("/spark-export");
                assertThat(mount.getReadOnly()).isTrue();
            });
            assertThat(pod.getSpec().getVolumes()).filteredOn(volume -> volume.getPersistentVolumeClaim() != null)
                    .anySatisfy(volume -> assertThat(volume.getPersistentVolumeClaim().getClaimName()).isEqualTo("spark-minibatches"));
        }
        assertThat(createdPods).extracting(pod -> env(pod.getSpec().getContainers().get(0), "SPARK_EXECUTOR_ID"))
                .containsExactlyInAnyOrder("1", "2");
    }

    private static void deleteRecursively(Path path) throws IOException {
        if (!Files.exists(path, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (var paths = Files.walk(path)) {
            for (Path each : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(each);
            }
        }
    }

    /**
     * A folder laid out as the trainer image's /app with this test's class path in place of the Boot
     * jar's: BOOT-INF/classes, BOOT-INF/lib/ and BOOT-INF/classpath.idx naming them in order, and the
     * image's script and Logback file.
     */
    private static Path imageLikeAppFolder(Path app) throws IOException {
        Path lib = Files.createDirectories(app.resolve("BOOT-INF/lib"));
        Files.createSymbolicLink(app.resolve("BOOT-INF/classes"), Path.of("target/classes").toAbsolutePath());
        StringBuilder index = new StringBuilder();
        int n = 0;
        for (String entry : System.getProperty("surefire.test.class.path").split(java.io.File.pathSeparator)) {
            Path source = Path.of(entry).toAbsolutePath();
            String name = String.format("%03d-%s", n++, source.getFileName());
            Files.createSymbolicLink(lib.resolve(name), source);
            index.append("- \"BOOT-INF/lib/").append(name).append("\"\n");
        }
        Files.writeString(app.resolve("BOOT-INF/classpath.idx"), index);
        Path docker = Path.of("../docker").toAbsolutePath().normalize();
        Files.copy(docker.resolve("spark-executor.sh"), app.resolve("spark-executor.sh"));
        Files.copy(docker.resolve("spark-executor-logback.xml"), app.resolve("spark-executor-logback.xml"));
        return app;
    }

    /**
     * The pod's container as a process: its command and arguments, its environment (the downward
     * API's pod IP and name filled in as the kubelet would), JVM options as the image gives them.
     */
    private static Process runLikeTheKubelet(Pod pod, Path app, Path logs) throws IOException {
        Container container = pod.getSpec().getContainers().get(0);
        List<String> command = new ArrayList<>(List.of("bash", app.resolve("spark-executor.sh").toString()));
        command.addAll(container.getArgs());
        ProcessBuilder builder = new ProcessBuilder(command);
        Map<String, String> environment = builder.environment();
        for (EnvVar variable : container.getEnv()) {
            if (variable.getValue() != null) {
                environment.put(variable.getName(), variable.getValue());
            }
        }
        environment.put("SPARK_EXECUTOR_POD_IP", "127.0.0.1");
        environment.put("SPARK_EXECUTOR_POD_NAME", pod.getMetadata().getName());
        environment.put("SPARK_EXECUTOR_APP_DIR", app.toString());
        // Spark's local-dir emptyDir (/var/data/spark-...) in the pod; here, the test's folder.
        environment.put("SPARK_LOCAL_DIRS", logs.toString());
        // The image's JDK_JAVA_OPTIONS (bin/images: Spark's Java 17 options); this JVM started with them.
        environment.put("JDK_JAVA_OPTIONS", String.join(" ", java.lang.management.ManagementFactory.getRuntimeMXBean()
                .getInputArguments().stream().filter(arg -> arg.startsWith("--add-opens") || arg.startsWith("-XX:+Ignore")).toList()));
        // The template's JAVA_TOOL_OPTIONS points /tmp at the pod's emptyDir; here, the test's folder.
        environment.put("JAVA_TOOL_OPTIONS", "-Djava.io.tmpdir=" + logs);
        Path log = logs.resolve(pod.getMetadata().getName() + ".log");
        return builder.redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    private static String env(Container container, String name) {
        return container.getEnv().stream().filter(env -> env.getName().equals(name)).map(EnvVar::getValue)
                .findFirst().orElseThrow(() -> new AssertionError("no env " + name + " in " + container.getEnv()));
    }

    /** The few answers Spark's cluster manager needs, and a Status 404 (logged) for anything else. */
    private void answer(HttpExchange exchange) throws IOException {
        String method = exchange.getRequestMethod();
        String path = exchange.getRequestURI().getPath();
        String query = exchange.getRequestURI().getQuery();
        requests.add(method + " " + path + (query == null ? "" : "?" + query));
        String pods = "/api/v1/namespaces/" + NAMESPACE + "/pods";
        try (exchange) {
            if (method.equals("GET") && path.equals(pods + "/" + DRIVER_POD)) {
                send(exchange, 200, driverPod());
            } else if (method.equals("GET") && path.equals(pods) && query != null
                    && query.contains("fieldSelector=metadata.name=" + DRIVER_POD) && !query.contains("watch=true")) {
                // Spark waits for its own pod to be ready before it creates executors.
                send(exchange, 200, """
                        {"apiVersion": "v1", "kind": "PodList", "metadata": {"resourceVersion": "1"}, "items": [%s]}"""
                        .formatted(driverPod()));
            } else if (method.equals("POST") && path.equals(pods)) {
                String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
                Pod pod = Serialization.unmarshal(body, Pod.class);
                createdPods.add(pod);
                twoPodsCreated.countDown();
                send(exchange, 201, body);
            } else if (method.equals("GET") && path.equals(pods) && query != null && query.contains("watch=true")) {
                // A watch that never reports: the pods never start here. Held open until the test ends.
                exchange.getResponseHeaders().set("Content-Type", "application/json");
                exchange.sendResponseHeaders(200, 0);
                exchange.getResponseBody().flush();
                stopped.await(3, TimeUnit.MINUTES);
            } else if (method.equals("GET") && path.equals(pods)) {
                // The executor pods, running: Spark's poll drops registered executors whose pods are gone.
                String items = createdPods.stream().map(pod -> {
                    Pod running = Serialization.clone(pod);
                    running.setStatus(new PodStatusBuilder().withPhase("Running").build());
                    return Serialization.asJson(running);
                }).collect(Collectors.joining(","));
                send(exchange, 200, """
                        {"apiVersion": "v1", "kind": "PodList", "metadata": {"resourceVersion": "1"}, "items": [%s]}"""
                        .formatted(items));
            } else if (method.equals("DELETE")) {
                send(exchange, 200, """
                        {"apiVersion": "v1", "kind": "Status", "status": "Success"}""");
            } else {
                log.warn("fake Kubernetes API: no answer for {} {}?{}", method, path, query);
                send(exchange, 404, """
                        {"apiVersion": "v1", "kind": "Status", "status": "Failure", "code": 404, "reason": "NotFound"}""");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private String driverPod() {
        return """
                {"apiVersion": "v1", "kind": "Pod",
                 "metadata": {"name": "%s", "namespace": "%s", "uid": "%s", "resourceVersion": "1"},
                 "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}]}}"""
                .formatted(DRIVER_POD, NAMESPACE, driverUid);
    }

    private static void send(HttpExchange exchange, int status, String json) throws IOException {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }
}
