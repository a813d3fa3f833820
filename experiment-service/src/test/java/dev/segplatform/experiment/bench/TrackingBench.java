package dev.segplatform.experiment.bench;

import dev.segplatform.experiment.Api;
import dev.segplatform.experiment.ExperimentServiceApplication;
import dev.segplatform.experiment.api.MetricPoint;
import dev.segplatform.experiment.api.WorkerCapabilities;
import dev.segplatform.experiment.metric.MetricStore;
import dev.segplatform.experiment.queue.JobQueue;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.JsonNode;

/**
 * {@code bin/bench tracking}: metric ingestion (8 concurrent writers, 1000-point batches) and job
 * claims (4 concurrent claimers) through the REST API of a real service on embedded PostgreSQL,
 * each beside the same work done in-process on the same database (no HTTP, no JSON), so the
 * service's overhead reads as a ratio. With {@code --scale}: the reads at scale ({@link TrackingScaleBench}).
 */
public final class TrackingBench {

    private static final int WRITERS = 8;
    private static final int CLAIMERS = 4;
    private static final int BATCH = 1000;

    public static void main(String[] args) throws Exception {
        if (java.util.Arrays.asList(args).contains("--scale")) {
            TrackingScaleBench.main(args);
            return;
        }
        double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 10;
        int jobs = args.length > 1 ? Integer.parseInt(args[1]) : 2000;
        Path dataDir = Files.createTempDirectory(Files.createDirectories(Path.of("target", "bench-data")), "tracking-");
        try (ConfigurableApplicationContext context = SpringApplication.run(ExperimentServiceApplication.class,
                "--server.port=0", "--experiment.data-dir=" + dataDir, "--spring.main.banner-mode=off",
                "--logging.level.root=WARN", "--experiment.max-queued-jobs=1000000", "--experiment.sweep-interval=1h")) {
            int port = ((WebServerApplicationContext) context).getWebServer().getPort();
            Api api = new Api("http://localhost:" + port, Api.generatedToken(dataDir));
            MetricStore store = context.getBean(MetricStore.class);
            JobQueue queue = context.getBean(JobQueue.class);
            long experimentId = api.experiment("bench");

            System.out.printf("tracking bench: %d cores, %.0f s per ingestion phase, %d jobs per claim phase%n",
                    Runtime.getRuntime().availableProcessors(), seconds, jobs);
            ingestHttp(api, experimentId, Math.min(3, seconds)); // warm-up
            ingestDirect(api, queue, store, experimentId, Math.min(3, seconds));
            double http = ingestHttp(api, experimentId, seconds);
            double direct = ingestDirect(api, queue, store, experimentId, seconds);

            claimHttp(api, experimentId, Math.min(200, jobs)); // warm-up
            double claimsHttp = claimHttp(api, experimentId, jobs);
            double claimsDirect = claimDirect(api, queue, experimentId, jobs);

            System.out.println();
            System.out.printf("%-42s %14s %14s %7s%n", "measure", "REST API", "in-process", "ratio");
            System.out.printf("%-42s %14.0f %14.0f %7.2f%n", "metric points/s (8 writers, batch 1000)", http, direct,
                    http / direct);
            System.out.printf("%-42s %14.0f %14.0f %7.2f%n", "job claims/s (4 claimers)", claimsHttp, claimsDirect,
                    claimsHttp / claimsDirect);
            System.out.printf("goal: >= 50000 points/s and >= 1000 claims/s through the API -> %s, %s%n",
                    http >= 50_000 ? "met" : "not met", claimsHttp >= 1000 ? "met" : "not met");
        }
    }

    static double ingestHttp(Api api, long experimentId, double seconds) throws Exception {
        List<Long> runs = new ArrayList<>();
        List<String> tokens = new ArrayList<>();
        for (int w = 0; w < WRITERS; w++) {
            api.run(experimentId, "unet");
            JsonNode claim = api.post("/api/jobs/claim", "{\"workerId\":\"bench-" + w + "\"}").json();
            runs.add(claim.get("runId").asLong());
            tokens.add(claim.get("leaseToken").asString());
        }
        return timed(WRITERS, seconds, (w, points, deadline) -> {
            String path = "/api/runs/" + runs.get(w) + "/metrics";
            Map<String, String> lease = Map.of("X-Lease-Token", tokens.get(w));
            long step = 0;
            while (System.nanoTime() < deadline) {
                StringBuilder body = new StringBuilder(BATCH * 60).append("{\"metrics\":[");
                for (int i = 0; i < BATCH; i++) {
                    body.append(i == 0 ? "" : ",").append("{\"key\":\"loss\",\"value\":")
                            .append(1.0 / (step + 1)).append(",\"step\":").append(step++).append('}');
                }
                Api.Reply reply = api.post(path, body.append("]}").toString(), lease);
                if (reply.status() != 204) {
                    throw new IllegalStateException("metric write answered " + reply);
                }
                points.addAndGet(BATCH);
            }
        });
    }

    private static double ingestDirect(Api api, JobQueue queue, MetricStore store, long experimentId, double seconds)
            throws Exception {
        List<Long> runs = new ArrayList<>();
        List<UUID> tokens = new ArrayList<>();
        for (int w = 0; w < WRITERS; w++) {
            api.run(experimentId, "unet");
            var claim = queue.claim("bench-direct-" + w, WorkerCapabilities.ANY).orElseThrow();
            runs.add(claim.runId());
            tokens.add(claim.leaseToken());
        }
        return timed(WRITERS, seconds, (w, points, deadline) -> {
            long step = 0;
            while (System.nanoTime() < deadline) {
                List<MetricPoint> batch = new ArrayList<>(BATCH);
                for (int i = 0; i < BATCH; i++) {
                    batch.add(new MetricPoint("loss", 1.0 / (step + 1), step++, null));
                }
                store.append(runs.get(w), tokens.get(w), batch);
                points.addAndGet(BATCH);
            }
        });
    }

    private static double claimHttp(Api api, long experimentId, int jobs) throws Exception {
        enqueue(api, experimentId, jobs);
        return claimAll(() -> api.post("/api/jobs/claim", "{\"workerId\":\"bench\"}").status() == 200);
    }

    private static double claimDirect(Api api, JobQueue queue, long experimentId, int jobs) throws Exception {
        enqueue(api, experimentId, jobs);
        return claimAll(() -> queue.claim("bench", WorkerCapabilities.ANY).isPresent());
    }

    private static void enqueue(Api api, long experimentId, int jobs) throws Exception {
        AtomicLong made = new AtomicLong();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        List<Future<?>> futures = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            futures.add(pool.submit(() -> {
                while (made.incrementAndGet() <= jobs) {
                    api.run(experimentId, "unet");
                }
                return null;
            }));
        }
        for (Future<?> future : futures) {
            future.get();
        }
        pool.shutdown();
    }

    /** Claims with {@link #CLAIMERS} threads until the queue is empty; returns claims per second. */
    private static double claimAll(Callable<Boolean> claimOne) throws Exception {
        AtomicLong claims = new AtomicLong();
        ExecutorService pool = Executors.newFixedThreadPool(CLAIMERS);
        long start = System.nanoTime();
        List<Future<?>> futures = new ArrayList<>();
        for (int t = 0; t < CLAIMERS; t++) {
            futures.add(pool.submit(() -> {
                while (claimOne.call()) {
                    claims.incrementAndGet();
                }
                return null;
            }));
        }
        for (Future<?> future : futures) {
            future.get();
        }
        pool.shutdown();
        return claims.get() / ((System.nanoTime() - start) / 1e9);
    }

    private interface Writer {
        void run(int writer, AtomicLong points, long deadline) throws Exception;
    }

    private static double timed(int threads, double seconds, Writer writer) throws Exception {
        AtomicLong points = new AtomicLong();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        long start = System.nanoTime();
        long deadline = start + (long) (seconds * 1e9);
        List<Future<?>> futures = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int w = t;
            futures.add(pool.submit(() -> {
                writer.run(w, points, deadline);
                return null;
            }));
        }
        for (Future<?> future : futures) {
            future.get();
        }
        pool.shutdown();
        return points.get() / ((System.nanoTime() - start) / 1e9);
    }
}
