package dev.segplatform.testsupport;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * A Spark standalone cluster on this machine: one master and {@code n} workers, each a JVM of its
 * own started from Spark's own main classes on the test's class path (no Spark distribution is
 * installed). Workers start executors as further JVMs.
 *
 * <p>A worker builds an executor's class path from {@code SPARK_HOME/jars} after the application's
 * {@code spark.executor.extraClassPath}; {@link #sparkHome()} is an empty distribution (a
 * {@code RELEASE} file and an empty {@code jars/}), so the executors load exactly the class path the
 * application names, in its order (segmentation-core's ND4J fix ahead of ND4J).
 */
public final class SparkStandaloneCluster implements AutoCloseable {

    private final Path dir;
    private final int workers;
    private final int masterPort;
    private final int masterUiPort;
    private final String javaOptions;
    private final List<Process> processes = new ArrayList<>();

    private SparkStandaloneCluster(Path dir, int workers, int masterPort, int masterUiPort, String javaOptions) {
        this.dir = dir;
        this.javaOptions = javaOptions;
        this.workers = workers;
        this.masterPort = masterPort;
        this.masterUiPort = masterUiPort;
    }

    /**
     * Launches the master and {@code workers} workers of {@code coresPerWorker} cores each and
     * returns at once, so the caller can prepare its data while they start; {@link #awaitWorkers}
     * waits until the master lists them all alive. {@code javaOptions} are the Java 17 options Spark's
     * launcher would give the master and workers (spark-training's {@code SparkExecutors.javaOptions()}).
     */
    public static SparkStandaloneCluster launch(Path dir, int workers, int coresPerWorker, String workerMemory,
                                                String javaOptions) throws IOException, InterruptedException {
        Path home = dir.resolve("spark-home").toAbsolutePath();
        Files.createDirectories(home.resolve("jars"));
        Files.writeString(home.resolve("RELEASE"), "an empty Spark home for tests\n");
        SparkStandaloneCluster cluster = new SparkStandaloneCluster(dir.toAbsolutePath(), workers, freePort(), freePort(),
                javaOptions);
        try {
            cluster.start("master", "org.apache.spark.deploy.master.Master", "--host", "127.0.0.1",
                    "--port", Integer.toString(cluster.masterPort), "--webui-port", Integer.toString(cluster.masterUiPort));
            for (int i = 0; i < workers; i++) {
                Path work = cluster.dir.resolve("worker-" + i);
                Files.createDirectories(work);
                cluster.start("worker-" + i, "org.apache.spark.deploy.worker.Worker", "--host", "127.0.0.1",
                        "--cores", Integer.toString(coresPerWorker), "--memory", workerMemory,
                        "--webui-port", Integer.toString(freePort()), "--work-dir", work.toString(), cluster.masterUrl());
            }
            return cluster;
        } catch (IOException e) {
            cluster.close();
            throw e;
        }
    }

    public String masterUrl() {
        return "spark://127.0.0.1:" + masterPort;
    }

    /**
     * This JVM's own class path (under Surefire its real one, not the manifest-only jar), with every
     * entry made absolute: the executors get it as theirs, and start in a worker's folder.
     */
    public static String testClassPath() {
        String surefire = System.getProperty("surefire.test.class.path");
        String path = surefire != null && !surefire.isBlank() ? surefire : System.getProperty("java.class.path");
        return Arrays.stream(path.split(File.pathSeparator)).filter(entry -> !entry.isBlank())
                .map(entry -> Path.of(entry).toAbsolutePath().toString())
                .collect(Collectors.joining(File.pathSeparator));
    }

    public Path sparkHome() {
        return dir.resolve("spark-home");
    }

    private void start(String name, String mainClass, String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        // Master and workers only schedule and launch: a small heap, and no optimizing compiler
        // time spent on code that runs a few times.
        command.addAll(List.of("-Xmx256m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"));
        command.addAll(List.of(javaOptions.trim().split("\\s+")));
        command.addAll(List.of("-cp", testClassPath(), mainClass));
        command.addAll(List.of(args));
        command.removeIf(String::isEmpty);
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(dir.resolve(name + ".log").toFile());
        builder.environment().put("SPARK_HOME", sparkHome().toString());
        builder.environment().put("SPARK_SCALA_VERSION", "2.12");
        builder.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
        processes.add(builder.start());
    }

    /**
     * The master's JSON status page: its workers, and the applications that run or ran on them
     * ({@code activeapps}, {@code completedapps}, each with its {@code name}).
     */
    public String status() throws IOException, InterruptedException {
        URI page = URI.create("http://127.0.0.1:" + masterUiPort + "/json/");
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(page).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    /** Polls the master's JSON status page until every worker is alive. */
    public void awaitWorkers(Duration timeout) throws Exception {
        int n = workers;
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = "";
        while (System.nanoTime() < deadline) {
            for (Process p : processes) {
                if (!p.isAlive()) {
                    throw new IllegalStateException("a Spark process exited during start-up; logs in " + dir);
                }
            }
            try {
                last = status();
                if (last.replaceAll("\\s", "").contains("\"aliveworkers\":" + n)) {
                    return;
                }
            } catch (IOException notYet) {
                // the master's UI is still starting
            }
            Thread.sleep(250);
        }
        throw new IllegalStateException("the master did not list " + n + " alive workers in " + timeout
                + "; last status: " + last + "; logs in " + dir);
    }

    /** SIGTERM to workers, then the master: a worker stops its executors on the way out. */
    @Override
    public void close() throws InterruptedException {
        for (int i = processes.size() - 1; i >= 0; i--) {
            Process p = processes.get(i);
            p.destroy();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor();
            }
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
