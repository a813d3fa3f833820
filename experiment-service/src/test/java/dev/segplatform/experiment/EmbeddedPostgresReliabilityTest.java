package dev.segplatform.experiment;

import static org.assertj.core.api.Assertions.assertThat;

import dev.segplatform.testsupport.ServiceProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * The embedded PostgreSQL under abuse: killed, frozen, orphaned, each time with the service running
 * as a process of its own and reached over HTTP, as in production.
 */
@Tag("reliability")
class EmbeddedPostgresReliabilityTest {

    private static final Duration FAST = Duration.ofSeconds(2);

    @Test
    void metricsAcknowledgedBeforePostgresIsKilledAreKeptAndTheServiceHealsByItself() throws Exception {
        Path dataDir = dataDir("pg-kill-");
        try (ServiceProcess service = start(dataDir)) {
            Api api = new Api(service.url().toString(), null, Duration.ofSeconds(20));
            long runId = api.run(api.experiment("pg-kill"), "unet"); // queued, so writes need no lease token
            long postmaster = postmasterPid(dataDir);

            int writers = 4;
            List<Set<Long>> acknowledged = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                acknowledged.add(ConcurrentHashMap.newKeySet());
            }
            AtomicBoolean killed = new AtomicBoolean();
            AtomicBoolean stop = new AtomicBoolean();
            AtomicInteger acknowledgedAfterKill = new AtomicInteger();
            AtomicInteger unavailable = new AtomicInteger();
            AtomicReference<String> wrong = new AtomicReference<>();
            ExecutorService pool = Executors.newFixedThreadPool(writers);
            List<Future<?>> running = new ArrayList<>();
            long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
            for (int w = 0; w < writers; w++) {
                int writer = w;
                running.add(pool.submit(() -> {
                    for (long step = 0; !stop.get() && System.nanoTime() < deadline; step += 100) {
                        long first = step;
                        String points = LongStream.range(first, first + 100)
                                .mapToObj(s -> "{\"key\":\"w" + writer + "\",\"value\":" + s + ",\"step\":" + s + "}")
                                .collect(Collectors.joining(","));
                        long sent = System.nanoTime();
                        Api.Reply reply = api.post("/api/runs/" + runId + "/metrics", "{\"metrics\":[" + points + "]}");
                        Duration took = Duration.ofNanos(System.nanoTime() - sent);
                        if (reply.status() == 204) {
                            LongStream.range(first, first + 100).forEach(acknowledged.get(writer)::add);
                            if (killed.get()) {
                                acknowledgedAfterKill.incrementAndGet();
                            }
                        } else if (isDatabaseUnavailable(reply) && took.compareTo(FAST) < 0) {
                            unavailable.incrementAndGet();
                        } else {
                            wrong.compareAndSet(null, reply.status() + " after " + took.toMillis() + " ms: " + reply.text());
                        }
                    }
                    return null;
                }));
            }
            try {
                await(Duration.ofSeconds(30), () -> acknowledged.stream().allMatch(steps -> steps.size() >= 500));
                signal(postmaster, "KILL");
                killed.set(true);
                // Every writer gets through again, with no hand on the service.
                await(Duration.ofSeconds(60), () -> acknowledgedAfterKill.get() >= 40);
            } finally {
                stop.set(true);
                for (Future<?> writer : running) {
                    writer.get(30, TimeUnit.SECONDS);
                }
                pool.shutdown();
            }

            assertThat(wrong.get()).as("answers other than 204 or a quick 503 with Retry-After").isNull();
            assertThat(unavailable.get()).as("503 answers while PostgreSQL was down").isPositive();
            assertThat(postmasterPid(dataDir)).as("PostgreSQL was started again").isNotEqualTo(postmaster);
            assertThat(service.isAlive()).isTrue();
            for (int w = 0; w < writers; w++) {
                JsonNode history = api.get("/api/runs/" + runId + "/metrics/w" + w).json().get("history");
                Set<Long> stored = new java.util.HashSet<>();
                history.forEach(point -> stored.add(point.get("step").asLong()));
                assertThat(stored).as("writer %d's acknowledged points", w).containsAll(acknowledged.get(w));
            }
            assertThat(api.get("/readyz").status()).isEqualTo(200);

            // A restarted server is tied to the JVM as much as the first one was.
            long restarted = postmasterPid(dataDir);
            service.kill();
            await(Duration.ofSeconds(10), () -> !ProcessHandle.of(restarted).map(ProcessHandle::isAlive).orElse(false));
        }
    }

    @Test
    void aFrozenDatabaseIsAnswered503QuicklyAndTheServiceRecoversWhenItThaws() throws Exception {
        Path dataDir = dataDir("pg-frozen-");
        try (ServiceProcess service = start(dataDir)) {
            Api api = new Api(service.url().toString(), null, Duration.ofSeconds(20));
            long runId = api.run(api.experiment("pg-frozen"), "unet");
            String batch = "{\"metrics\":[{\"key\":\"loss\",\"value\":0.5,\"step\":1}]}";
            assertThat(api.post("/api/runs/" + runId + "/metrics", batch).status()).isEqualTo(204);

            // Stopped rather than killed: connections hang instead of being refused, and the
            // supervisor, which restarts only a dead server, leaves it alone.
            long postmaster = postmasterPid(dataDir);
            List<Long> frozen = new ArrayList<>(List.of(postmaster));
            ProcessHandle.of(postmaster).orElseThrow().descendants().forEach(child -> frozen.add(child.pid()));
            frozen.forEach(pid -> signal(pid, "STOP"));
            int probes = 0;
            boolean wentUnready = false;
            try {
                long thaw = System.nanoTime() + Duration.ofSeconds(20).toNanos();
                while (System.nanoTime() < thaw) {
                    for (String call : List.of("POST", "GET")) {
                        long sent = System.nanoTime();
                        Api.Reply reply = call.equals("POST")
                                ? api.post("/api/runs/" + runId + "/metrics", batch)
                                : api.get("/api/runs/" + runId);
                        Duration took = Duration.ofNanos(System.nanoTime() - sent);
                        assertThat(reply.status()).as("%s while frozen: %s", call, reply.text()).isEqualTo(503);
                        assertThat(isDatabaseUnavailable(reply)).as(reply.text()).isTrue();
                        assertThat(took).as("%s answered in", call).isLessThan(FAST);
                        probes++;
                    }
                    wentUnready |= api.get("/readyz").status() == 503;
                    assertThat(api.get("/livez").status()).isEqualTo(200);
                }
            } finally {
                frozen.forEach(pid -> signal(pid, "CONT"));
            }
            assertThat(probes).isGreaterThanOrEqualTo(10);
            assertThat(wentUnready).as("/readyz went down").isTrue();

            await(Duration.ofSeconds(20), () -> api.post("/api/runs/" + runId + "/metrics",
                    "{\"metrics\":[{\"key\":\"loss\",\"value\":0.25,\"step\":2}]}").status() == 204);
            assertThat(api.get("/api/runs/" + runId + "/metrics/loss").json().get("history")).hasSize(2);
            await(Duration.ofSeconds(10), () -> api.get("/readyz").status() == 200);
            assertThat(postmasterPid(dataDir)).as("a frozen server is waited for, not replaced").isEqualTo(postmaster);
        }
    }

    @Test
    void aServiceKilledWithItsPostgresLeftRunningRestartsOnTheFirstTryAndFindsItsData() throws Exception {
        Path dataDir = dataDir("svc-kill-");
        long runId;
        long orphan;
        ServiceProcess first = start(dataDir);
        try {
            Api api = new Api(first.url().toString(), null, Duration.ofSeconds(20));
            runId = api.run(api.experiment("svc-kill"), "unet");
            assertThat(api.post("/api/runs/" + runId + "/metrics",
                    "{\"metrics\":[{\"key\":\"loss\",\"value\":0.5,\"step\":1}]}").status()).isEqualTo(204);
            orphan = postmasterPid(dataDir);
            // Without its watchdog the server outlives the JVM, as every server did before there was
            // one: the next start has to deal with it itself.
            watchdogOf(dataDir).destroyForcibly();
        } finally {
            first.kill();
        }
        assertThat(ProcessHandle.of(orphan).map(ProcessHandle::isAlive)).as("orphaned postmaster").contains(true);

        try (ServiceProcess second = start(dataDir)) {
            Api api = new Api(second.url().toString(), null, Duration.ofSeconds(20));
            assertThat(api.get("/api/runs/" + runId).json().get("status").asString()).isEqualTo("QUEUED");
            assertThat(api.get("/api/runs/" + runId + "/metrics/loss").json().get("history")).hasSize(1);
            assertThat(ProcessHandle.of(orphan).map(ProcessHandle::isAlive).orElse(false)).isFalse();
            assertThat(postmasterPid(dataDir)).isNotEqualTo(orphan);
        }
    }

    private static ServiceProcess start(Path dataDir) throws Exception {
        return ServiceProcess.onTestClasspath(ExperimentServiceApplication.class, dataDir.resolve("service.log"),
                Map.of(), "--experiment.data-dir=" + dataDir, "--spring.main.banner-mode=off");
    }

    private static boolean isDatabaseUnavailable(Api.Reply reply) {
        return reply.status() == 503 && reply.header("Retry-After") != null
                && reply.header("Retry-After").matches("\\d+") && reply.json() != null
                && reply.json().get("type").asString().endsWith("database-unavailable");
    }

    private static long postmasterPid(Path dataDir) throws IOException {
        return Long.parseLong(Files.readAllLines(dataDir.resolve("postgres").resolve("postmaster.pid")).get(0).trim());
    }

    private static ProcessHandle watchdogOf(Path dataDir) {
        String postgresDir = dataDir.resolve("postgres").toString();
        return ProcessHandle.allProcesses()
                .filter(process -> process.info().arguments()
                        .map(args -> List.of(args).contains("embedded-postgres-watchdog")
                                && List.of(args).contains(postgresDir))
                        .orElse(false))
                .findFirst().orElseThrow(() -> new AssertionError("no watchdog for " + postgresDir));
    }

    private static void signal(long pid, String name) {
        try {
            Process kill = new ProcessBuilder("kill", "-s", name, Long.toString(pid)).inheritIO().start();
            assertThat(kill.waitFor(10, TimeUnit.SECONDS)).isTrue();
        } catch (IOException e) {
            throw new AssertionError(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private static void await(Duration timeout, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met within " + timeout);
            }
            Thread.sleep(100);
        }
    }

    private static Path dataDir(String prefix) throws IOException {
        // Real path: the service compares it with /proc's view of PostgreSQL's working directory.
        return Files.createTempDirectory(Files.createDirectories(Path.of("target", "test-data")), prefix).toRealPath();
    }
}
