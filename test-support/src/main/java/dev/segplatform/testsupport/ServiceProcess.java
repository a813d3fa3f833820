package dev.segplatform.testsupport;

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
import java.util.List;
import java.util.Map;

/**
 * A platform service run as its own JVM, as in production: real process, real port, real HTTP.
 * {@link #kill()} ends it with SIGKILL (no goodbye), {@link #close()} with SIGTERM.
 */
public final class ServiceProcess implements AutoCloseable {

    private final Process process;
    private final int port;
    private final Path log;

    private ServiceProcess(Process process, int port, Path log) {
        this.process = process;
        this.port = port;
        this.log = log;
    }

    /**
     * The experiment service from its built jar; the reactor builds it before every module whose tests
     * use it.
     */
    public static ServiceProcess experimentService(Path dataDir, String... args) throws Exception {
        return experimentService(dataDir, Map.of(), args);
    }

    /**
     * The same with extra environment variables, such as {@code EXPERIMENT_INTERNAL_TOKEN}: secrets go
     * by environment, as in production, never on the command line.
     */
    public static ServiceProcess experimentService(Path dataDir, Map<String, String> environment, String... args)
            throws Exception {
        return fromJar("experiment-service", dataDir.resolve("experiment-service.log"), "/readyz", environment,
                withDataDir(dataDir, args));
    }

    /**
     * A service from its built jar {@code <module>/target/<module>.jar}, started once
     * {@code readinessPath} answers 200 ({@code /livez} for a service that is only ready later, such
     * as inference before it has a model).
     */
    public static ServiceProcess fromJar(String module, Path logFile, String readinessPath, String... args)
            throws Exception {
        return fromJar(module, logFile, readinessPath, Map.of(), args);
    }

    /** The same with extra environment variables for the process. */
    public static ServiceProcess fromJar(String module, Path logFile, String readinessPath,
                                         Map<String, String> environment, String... args) throws Exception {
        Path jar = Path.of("..", module, "target", module + ".jar");
        if (!Files.exists(jar)) {
            throw new IllegalStateException(jar.toAbsolutePath() + " is missing: run 'mvn verify' from the root, "
                    + "or 'mvn -pl " + module + " -am package -DskipTests' first");
        }
        List<String> command = new ArrayList<>(List.of(java(), "-Xmx1g", "-jar", jar.toString()));
        return start(command, logFile, readinessPath, environment, args);
    }

    /**
     * A service whose main class is on the calling test's classpath, in a JVM of its own so that it
     * can be killed outright; {@code environment} adds variables such as {@code OMP_NUM_THREADS}.
     */
    public static ServiceProcess onTestClasspath(Class<?> mainClass, Path logFile, Map<String, String> environment,
                                                 String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(java(), "-Xmx2g",
                "-Dorg.bytedeco.javacpp.maxbytes=4G", "-Dorg.bytedeco.javacpp.maxphysicalbytes=6G",
                "-cp", System.getProperty("java.class.path"), mainClass.getName()));
        return start(command, logFile, "/readyz", environment, args);
    }

    public URI url() {
        return URI.create("http://localhost:" + port);
    }

    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
    }

    /** SIGTERM, then wait for the JVM to finish its shutdown hooks. */
    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(Duration.ofMinutes(3).toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
            process.destroyForcibly().waitFor();
        }
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    public Path log() {
        return log;
    }

    private static String[] withDataDir(Path dataDir, String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.add("--experiment.data-dir=" + dataDir.toAbsolutePath());
        return all.toArray(String[]::new);
    }

    private static ServiceProcess start(List<String> command, Path logFile, String readinessPath,
                                        Map<String, String> environment, String... args) throws Exception {
        int port = freePort();
        command.add("--server.port=" + port);
        command.addAll(List.of(args));
        Files.createDirectories(logFile.toAbsolutePath().getParent());
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(logFile.toFile());
        builder.environment().putAll(environment);
        Process process = builder.start();
        ServiceProcess service = new ServiceProcess(process, port, logFile);
        // SIGTERM first: a killed experiment service would leave its embedded PostgreSQL running.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            process.destroy();
            try {
                if (!process.waitFor(20, java.util.concurrent.TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
            }
        }));
        // Generous: a JVM that loads ND4J and starts PostgreSQL on two busy cores has been seen to need
        // just over two minutes; a service that is not coming up fails its test all the same.
        service.awaitReady(readinessPath, Duration.ofMinutes(4));
        return service;
    }

    private void awaitReady(String path, Duration timeout) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("service exited during start-up; log:\n" + Files.readString(log));
            }
            try {
                HttpResponse<Void> response = http.send(HttpRequest.newBuilder(url().resolve(path)).build(),
                        HttpResponse.BodyHandlers.discarding());
                if (response.statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // still starting
            }
            Thread.sleep(250);
        }
        throw new IllegalStateException("service not ready in " + timeout + "; log: " + log);
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }
}
