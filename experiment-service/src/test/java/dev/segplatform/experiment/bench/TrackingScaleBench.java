package dev.segplatform.experiment.bench;

import dev.segplatform.experiment.Api;
import dev.segplatform.experiment.ExperimentServiceApplication;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.JsonNode;

/**
 * {@code bin/bench tracking --scale [--runs N] [--steps N] [--calls N]}: the tracking reads at scale.
 * Fills (once; the folder {@code target/bench-data/scale-<runs>-<steps>} is kept and reused) 1,000
 * experiments of runs with 20 params, 10 tags and 10 metrics of 50 steps each, then times the reads a
 * user makes through the REST API of the service running on that database, each repeated, and prints
 * p50 and p99 beside the goal of each. Ingestion and run creation are measured on the same filled
 * database, and the runs they add are deleted again so the fill stays as it was.
 */
final class TrackingScaleBench {

    private static final int EXPERIMENTS = 1000;
    /** What a stored metric point costs on disk (heap, its history index entry, WAL while filling), generously. */
    private static final long BYTES_PER_POINT = 200;
    private static final double WARM_UP_SECONDS = 60;
    static final String SEARCH_FILTER = "metrics.val_mean_iou > 0.5 and params.model = 'unet'";
    static final String SEARCH_ORDER = "metrics.val_mean_iou DESC";
    static final String EXPORT_FILTER = "params.fill = 'scale'";

    private record Row(String operation, double p50, double p99, String unit, String goal, boolean met) {
    }

    private final List<Row> rows = new ArrayList<>();
    private String warmUp = "";

    static void main(String[] args) throws Exception {
        int runs = intArg(args, "--runs", 100_000);
        int steps = intArg(args, "--steps", 50);
        // p99 by nearest rank over fewer than 100 calls is simply the slowest call; 200 make it the
        // second slowest, so one pause of the machine does not decide it alone.
        int calls = intArg(args, "--calls", 200);
        double seconds = intArg(args, "--seconds", 10);
        // Only ingestion and run creation, for measuring a change to the write path without the reads.
        boolean writesOnly = List.of(args).contains("--writes-only");
        if (runs % EXPERIMENTS != 0 || runs < EXPERIMENTS) {
            throw new IllegalArgumentException("--runs must be a multiple of " + EXPERIMENTS);
        }
        Path base = Files.createDirectories(Path.of("target", "bench-data"));
        long usable = Files.getFileStore(base).getUsableSpace();
        long points = (long) runs * ScaleFill.METRICS.size() * steps;
        String stepsNote = "";
        Path dataDir = base.resolve("scale-" + runs + "-" + steps);
        if (!Files.isDirectory(dataDir) && points * BYTES_PER_POINT > usable * 8 / 10) {
            int fits = (int) Math.max(1, usable * 8 / 10 / BYTES_PER_POINT / runs / ScaleFill.METRICS.size());
            stepsNote = " (scaled down from " + steps + " steps: " + (usable >> 30) + " GiB free)";
            steps = fits;
            points = (long) runs * ScaleFill.METRICS.size() * steps;
            dataDir = base.resolve("scale-" + runs + "-" + steps);
        }
        System.out.printf("tracking scale bench: %d runs in %d experiments, %d params, %d tags, %d metrics x %d steps"
                        + " = %,d points%s; %d cores; data %s%n", runs, EXPERIMENTS, ScaleFill.PARAMS.size(),
                ScaleFill.TAGS.size(), ScaleFill.METRICS.size(), steps, points, stepsNote,
                Runtime.getRuntime().availableProcessors(), dataDir);
        try (ConfigurableApplicationContext context = SpringApplication.run(ExperimentServiceApplication.class,
                "--server.port=0", "--experiment.data-dir=" + dataDir, "--spring.main.banner-mode=off",
                "--logging.level.root=WARN", "--experiment.max-queued-jobs=1000000", "--experiment.sweep-interval=1h",
                "--experiment.study-interval=1h")) {
            DataSource dataSource = context.getBean(DataSource.class);
            JdbcClient jdbc = JdbcClient.create(dataSource);
            ScaleFill fill = new ScaleFill(dataSource);
            int done = fill.experimentsDone();
            if (done < EXPERIMENTS) {
                System.out.println("filling (kept for the next run of the bench) ...");
                fill.fill(EXPERIMENTS, runs / EXPERIMENTS, steps, System.out::println);
                jdbc.sql("vacuum analyze").update();
            } else {
                System.out.println("reusing the fill in " + dataDir);
            }
            System.out.printf("database: %s (metric %s, latest_metric %s); load average %s%n",
                    jdbc.sql("select pg_size_pretty(pg_database_size(current_database()))").query(String.class).single(),
                    jdbc.sql("select pg_size_pretty(pg_total_relation_size('metric'))").query(String.class).single(),
                    jdbc.sql("select pg_size_pretty(pg_total_relation_size('latest_metric'))").query(String.class)
                            .single(), loadAverage());
            int port = ((WebServerApplicationContext) context).getWebServer().getPort();
            Api api = new Api("http://localhost:" + port, Api.generatedToken(dataDir));
            new TrackingScaleBench().measure(api, jdbc, runs, steps, calls, seconds, writesOnly);
        }
    }

    private void measure(Api api, JdbcClient jdbc, int runs, int steps, int calls, double seconds, boolean writesOnly)
            throws Exception {
        if (!writesOnly) {
            measureReads(api, jdbc, runs, calls);
        }
        measureWrites(api, jdbc, seconds);

        System.out.println();
        System.out.printf("%-48s %10s %10s %10s %6s%n", "operation", "p50", "p99", "goal", "met?");
        for (Row row : rows) {
            boolean rate = row.unit().equals("/s");
            System.out.printf("%-48s %10s %10s %10s %6s%n", row.operation(),
                    rate ? String.format("%.0f", row.p50()) : String.format("%.1f %s", row.p50(), row.unit()),
                    rate ? "" : String.format("%.1f %s", row.p99(), row.unit()), row.goal(), row.met() ? "yes" : "NO");
        }
        System.out.printf("(%d runs x %d steps; %d calls per read, 3 exports; rates are totals over %.0f s;"
                + " load average %s)%n", runs, steps, calls, seconds, loadAverage());
        System.out.println("(" + warmUp + ")");
    }

    private void measureReads(Api api, JdbcClient jdbc, int runs, int calls) throws Exception {
        Map<String, String> search = Api.query("filter", SEARCH_FILTER, "orderBy", SEARCH_ORDER, "maxResults", "100");
        double[] first = time(calls, i -> api.get("/api/runs", search));
        rows.add(row("search, first page of 100", first, "ms", 100));

        String token = null;
        for (int page = 1; page < 10; page++) {
            Map<String, String> query = Api.query("filter", SEARCH_FILTER, "orderBy", SEARCH_ORDER, "maxResults", "100");
            if (token != null) {
                query.put("pageToken", token);
            }
            token = ok(api.get("/api/runs", query)).json().get("nextPageToken").asString();
        }
        Map<String, String> tenth = Api.query("filter", SEARCH_FILTER, "orderBy", SEARCH_ORDER, "maxResults", "100",
                "pageToken", token);
        double[] later = time(calls, i -> api.get("/api/runs", tenth));
        rows.add(row("search, tenth page by page token", later, "ms", 100));

        double[] list = time(Math.max(5, calls / 2), i -> api.get("/api/experiments", Api.query("size", "1000")));
        int listed = ok(api.get("/api/experiments", Api.query("size", "1000"))).json().get("items").size();
        rows.add(row("experiment list with run counts (" + listed + ")", list, "ms", 200));

        List<Long> runIds = jdbc.sql("select id from run where experiment_id in (select id from experiment"
                + " where name like 'scale-%') order by id").query(Long.class).list();
        Random random = new Random(20);
        long[] picks = random.longs(calls * 2L, 0, runIds.size()).map(i -> runIds.get((int) i)).toArray();
        double[] run = time(calls, i -> api.get("/api/runs/" + picks[i]));
        rows.add(row("one run (params, tags, latest metrics)", run, "ms", 20));
        double[] history = time(calls, i -> api.get("/api/runs/" + picks[calls + i] + "/metrics/val_mean_iou"));
        int historyPoints = ok(api.get("/api/runs/" + picks[0] + "/metrics/val_mean_iou")).json().get("history").size();
        rows.add(row("one metric's history (" + historyPoints + " steps)", history, "ms", 20));

        long[] exported = new long[1];
        double[] export = time(3, i -> {
            exported[0] = export(api);
            return null;
        });
        rows.add(row("export " + exported[0] + " runs, pages of 1000", new double[] {export[0] / 1000,
                export[1] / 1000, export[2] / 1000}, "s", 30));
        if (exported[0] != runs) {
            throw new IllegalStateException("the export returned " + exported[0] + " runs, not " + runs);
        }
    }

    private void measureWrites(Api api, JdbcClient jdbc, double seconds) throws Exception {
        long experimentId = api.experiment("scale-bench-writes");
        try {
            // Each rate is taken after its own warm-up, as a long-running service would see it: on two
            // cores the JIT takes about a minute of load to compile the write paths of a Spring
            // service, and meanwhile its compiler threads take a fifth to a third of the CPU. The
            // warm-up's own rate is printed beside the table.
            double pointsWarming = TrackingBench.ingestHttp(api, experimentId, WARM_UP_SECONDS);
            double pointsPerSecond = TrackingBench.ingestHttp(api, experimentId, seconds);
            rows.add(new Row("metric points/s (8 writers, batch 1000)", pointsPerSecond, Double.NaN, "/s",
                    ">= 50000", pointsPerSecond >= 50_000));
            double runsWarming = createRuns(api, experimentId, WARM_UP_SECONDS);
            double runsPerSecond = createRuns(api, experimentId, seconds);
            rows.add(new Row("run creation/s (4 clients)", runsPerSecond, Double.NaN, "/s", ">= 500",
                    runsPerSecond >= 500));
            warmUp = String.format("during each write's %.0f s warm-up, with the JIT compiling: %.0f points/s,"
                    + " %.0f runs/s", WARM_UP_SECONDS, pointsWarming, runsWarming);
        } finally {
            // The fill stays as it was for the next run of the bench.
            jdbc.sql("delete from run where experiment_id = :id").param("id", experimentId).update();
            jdbc.sql("delete from experiment where id = :id").param("id", experimentId).update();
        }
    }

    /** Every run of the export filter, a page of 1,000 at a time by page token; returns how many. */
    private static long export(Api api) {
        long count = 0;
        String token = null;
        do {
            Map<String, String> query = Api.query("filter", EXPORT_FILTER, "maxResults", "1000");
            if (token != null) {
                query.put("pageToken", token);
            }
            JsonNode page = ok(api.get("/api/runs", query)).json();
            count += page.get("runs").size();
            token = page.get("nextPageToken").isNull() ? null : page.get("nextPageToken").asString();
        } while (token != null);
        return count;
    }

    private static double createRuns(Api api, long experimentId, double seconds) throws Exception {
        AtomicLong made = new AtomicLong();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        long start = System.nanoTime();
        long deadline = start + (long) (seconds * 1e9);
        List<Future<?>> futures = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            futures.add(pool.submit(() -> {
                while (System.nanoTime() < deadline) {
                    api.run(experimentId, "unet");
                    made.incrementAndGet();
                }
                return null;
            }));
        }
        for (Future<?> future : futures) {
            future.get();
        }
        pool.shutdown();
        return made.get() / ((System.nanoTime() - start) / 1e9);
    }

    private interface Call {
        Object run(int i) throws Exception;
    }

    /** Milliseconds of each of {@code calls} calls after a fifth as many unmeasured ones; sorted. */
    private static double[] time(int calls, Call call) throws Exception {
        for (int i = 0; i < Math.max(1, calls / 5); i++) {
            check(call.run(i));
        }
        double[] millis = new double[calls];
        for (int i = 0; i < calls; i++) {
            long start = System.nanoTime();
            Object reply = call.run(i);
            millis[i] = (System.nanoTime() - start) / 1e6;
            check(reply);
        }
        Arrays.sort(millis);
        return millis;
    }

    private static void check(Object reply) {
        if (reply instanceof Api.Reply r) {
            ok(r);
        }
    }

    private static Api.Reply ok(Api.Reply reply) {
        if (reply.status() != 200) {
            throw new IllegalStateException("answered " + reply.status() + ": " + reply.text());
        }
        return reply;
    }

    private static Row row(String operation, double[] sorted, String unit, double goal) {
        double p50 = percentile(sorted, 0.50);
        double p99 = percentile(sorted, 0.99);
        return new Row(operation, p50, p99, unit, "<= " + (int) goal + " " + unit, p99 <= goal);
    }

    /** The nearest-rank percentile: with fewer than 100 calls, p99 is the slowest call. */
    private static double percentile(double[] sorted, double p) {
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1)];
    }

    private static String loadAverage() {
        try {
            String[] parts = Files.readString(Path.of("/proc/loadavg")).split(" ");
            return parts[0] + " " + parts[1] + " " + parts[2];
        } catch (IOException e) {
            return "unknown";
        }
    }

    private static int intArg(String[] args, String name, int fallback) {
        for (int i = 0; i < args.length - 1; i++) {
            if (args[i].equals(name)) {
                return Integer.parseInt(args[i + 1]);
            }
        }
        return fallback;
    }
}
