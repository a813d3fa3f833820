package dev.segplatform.experiment.run;

import static org.assertj.core.api.Assertions.assertThat;

import dev.segplatform.experiment.Api;
import dev.segplatform.experiment.bench.ScaleFill;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Search on a fill of 1,000 runs (the bench's fill, in ten experiments, some runs and one experiment
 * deleted) against a brute-force evaluation in Java of the same filter and order over rows read back
 * from the tables, with latest values recomputed from the full metric history: every page of every
 * query, through {@code /api/runs} and MLflow's {@code runs/search}, in order, each run exactly once.
 * Its own service and database, so the fill does not reach the tests that share one.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class SearchAtScaleTest {

    private static final Path DATA_DIR = dataDir();
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final int STEPS = 5;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        registry.add("experiment.data-dir", DATA_DIR::toString);
        registry.add("experiment.sweep-interval", () -> "1h");
        registry.add("experiment.study-interval", () -> "1h");
    }

    @LocalServerPort
    int port;
    @Autowired
    DataSource dataSource;
    @Autowired
    JdbcClient jdbc;

    Api api;
    /** The live runs as the brute force sees them, by id. */
    static Map<Long, Run> runs;
    static List<String> experimentIds;

    record Run(long id, Instant created, String status, Map<String, String> params, Map<String, String> tags,
               Map<String, Double> latest) {
    }

    /** A query: filter and order as sent, and the same as a predicate and comparator over runs. */
    record Case(String name, String filter, List<String> orderBy, Predicate<Run> matches, Comparator<Run> order) {
        @Override
        public String toString() {
            return name;
        }
    }

    @BeforeEach
    void fillOnce() throws Exception {
        api = new Api("http://localhost:" + port);
        if (runs != null) {
            return;
        }
        ScaleFill fill = new ScaleFill(dataSource);
        fill.fill(10, 100, STEPS, progress -> { });
        // Deleted runs and a deleted experiment's runs must not be found.
        jdbc.sql("update run set deleted_at = now() where id % 13 = 0").update();
        jdbc.sql("update experiment set deleted_at = now() where name = 'scale-00009'").update();
        jdbc.sql("analyze").update();
        experimentIds = jdbc.sql("select id from experiment where deleted_at is null order by id")
                .query(Long.class).list().stream().map(String::valueOf).toList();
        Map<Long, Run> all = new LinkedHashMap<>();
        jdbc.sql("""
                        select r.id, r.created_at, r.status from run r join experiment e on e.id = r.experiment_id
                        where r.deleted_at is null and e.deleted_at is null""")
                .query(rs -> {
                    all.put(rs.getLong("id"), new Run(rs.getLong("id"), rs.getTimestamp("created_at").toInstant(),
                            rs.getString("status"), new HashMap<>(), new HashMap<>(), new HashMap<>()));
                });
        jdbc.sql("select run_id, key, value from run_param").query(rs -> {
            Run run = all.get(rs.getLong("run_id"));
            if (run != null) {
                run.params().put(rs.getString("key"), rs.getString("value"));
            }
        });
        jdbc.sql("select run_id, key, value from run_tag").query(rs -> {
            Run run = all.get(rs.getLong("run_id"));
            if (run != null) {
                run.tags().put(rs.getString("key"), rs.getString("value"));
            }
        });
        // The latest value from the history, not from latest_metric: the newest step, then the newest time.
        jdbc.sql("select run_id, key, value from metric order by run_id, key, step, timestamp_ms").query(rs -> {
            Run run = all.get(rs.getLong("run_id"));
            if (run != null) {
                run.latest().put(rs.getString("key"), rs.getDouble("value"));
            }
        });
        assertThat(all).hasSizeBetween(800, 900);
        assertThat(all.values()).allSatisfy(run -> assertThat(run.latest()).hasSize(ScaleFill.METRICS.size()));
        runs = all;
    }

    static List<Case> cases() {
        Comparator<Run> newestFirst = Comparator.comparing(Run::created).thenComparingLong(Run::id).reversed();
        return List.of(
                new Case("metric and param filter, by that metric, descending",
                        "metrics.val_mean_iou > 0.5 and params.model = 'unet'", List.of("metrics.val_mean_iou DESC"),
                        metric("val_mean_iou", v -> v > 0.5).and(param("model", "unet"::equals)),
                        byMetric("val_mean_iou", false)),
                new Case("the same, ascending", "metrics.val_mean_iou > 0.5 and params.model = 'unet'",
                        List.of("metrics.val_mean_iou ASC"),
                        metric("val_mean_iou", v -> v > 0.5).and(param("model", "unet"::equals)),
                        byMetric("val_mean_iou", true)),
                new Case("filter on one metric, order by another", "metrics.loss >= 0.2",
                        List.of("metrics.val_mean_iou DESC"), metric("loss", v -> v >= 0.2),
                        byMetric("val_mean_iou", false)),
                new Case("order by a metric with NaN values, no filter", null, List.of("metrics.loss DESC"),
                        run -> true, byMetric("loss", false)),
                new Case("NaN never passes a comparison", "metrics.loss > 0.9", List.of("metrics.loss DESC"),
                        metric("loss", v -> v > 0.9), byMetric("loss", false)),
                new Case("IN and a tag, newest first", "params.model IN ('icnet', 'pspnet') and tags.team = 'vision'",
                        List.of(), param("model", v -> v.equals("icnet") || v.equals("pspnet"))
                        .and(tag("team", "vision"::equals)), newestFirst),
                new Case("two joined keys sorting opposite ways", "params.lr != '0.1' and metrics.val_loss < 0.3",
                        List.of("params.lr ASC", "metrics.val_loss DESC"),
                        param("lr", v -> !v.equals("0.1")).and(metric("val_loss", v -> v < 0.3)),
                        Comparator.<Run, String>comparing(run -> run.params().get("lr"))
                                .thenComparing(run -> run.latest().get("val_loss"), Comparator.reverseOrder())
                                .thenComparing(Run::id)),
                new Case("status, oldest first (created times tie in threes)", "attributes.status = 'FAILED'",
                        List.of("attributes.created_time ASC"), run -> run.status().equals("FAILED"),
                        Comparator.comparing(Run::created).thenComparingLong(Run::id)),
                new Case("LIKE on a tag, by that tag", "tags.user LIKE 'user-1%'", List.of("tags.user DESC"),
                        tag("user", like("user-1%")),
                        Comparator.<Run, String>comparing(run -> run.tags().get("user")).thenComparingLong(Run::id)
                                .reversed()),
                new Case("a metric no run has sorts every run last, by id", null, List.of("metrics.absent DESC"),
                        run -> true, Comparator.comparingLong(Run::id).reversed()));
    }

    /** /api/runs takes one sort key; MLflow's search takes the list. */
    static List<Case> oneKeyCases() {
        return cases().stream().filter(c -> c.orderBy().size() <= 1).toList();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("oneKeyCases")
    void pagesOfTheRestApiEqualTheBruteForce(Case c) {
        List<Long> expected = expected(c);
        assertThat(expected).as("a case that matches nothing proves little").isNotEmpty();
        List<Long> paged = new ArrayList<>();
        String token = null;
        do {
            Map<String, String> query = Api.query("maxResults", "61");
            if (c.filter() != null) {
                query.put("filter", c.filter());
            }
            if (!c.orderBy().isEmpty()) {
                query.put("orderBy", c.orderBy().get(0));
            }
            if (token != null) {
                query.put("pageToken", token);
            }
            Api.Reply reply = api.get("/api/runs", query);
            assertThat(reply.status()).as(reply.text()).isEqualTo(200);
            JsonNode page = reply.json();
            page.get("runs").forEach(run -> paged.add(run.get("id").asLong()));
            token = page.get("nextPageToken").isNull() ? null : page.get("nextPageToken").asString();
        } while (token != null);
        assertThat(new HashSet<>(paged)).as("each run once").hasSize(paged.size());
        assertThat(paged).isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void pagesOfMlflowSearchEqualTheBruteForce(Case c) {
        List<Long> expected = expected(c);
        List<Long> paged = new ArrayList<>();
        String token = null;
        do {
            ObjectNode body = JSON.createObjectNode();
            experimentIds.forEach(body.putArray("experiment_ids")::add);
            if (c.filter() != null) {
                body.put("filter", c.filter());
            }
            c.orderBy().forEach(body.putArray("order_by")::add);
            body.put("max_results", 53);
            if (token != null) {
                body.put("page_token", token);
            }
            Api.Reply reply = api.post("/api/2.0/mlflow/runs/search", body.toString());
            assertThat(reply.status()).as(reply.text()).isEqualTo(200);
            JsonNode page = reply.json();
            if (page.has("runs")) {
                page.get("runs").forEach(run -> paged.add(Long.parseLong(run.get("info").get("run_id").asString())));
            }
            token = page.has("next_page_token") ? page.get("next_page_token").asString() : null;
        } while (token != null);
        assertThat(new HashSet<>(paged)).as("each run once").hasSize(paged.size());
        assertThat(paged).isEqualTo(expected);
    }

    private static List<Long> expected(Case c) {
        return runs.values().stream().filter(c.matches()).sorted(c.order()).map(Run::id).toList();
    }

    /** A metric test as search means it: the run has the metric, its latest value is a number and passes. */
    private static Predicate<Run> metric(String key, Predicate<Double> test) {
        return run -> run.latest().containsKey(key) && !run.latest().get(key).isNaN() && test.test(run.latest().get(key));
    }

    private static Predicate<Run> param(String key, Predicate<String> test) {
        return run -> run.params().containsKey(key) && test.test(run.params().get(key));
    }

    private static Predicate<Run> tag(String key, Predicate<String> test) {
        return run -> run.tags().containsKey(key) && test.test(run.tags().get(key));
    }

    private static Predicate<String> like(String pattern) {
        Pattern regex = Pattern.compile(Pattern.quote(pattern).replace("%", "\\E.*\\Q").replace("_", "\\E.\\Q"));
        return value -> regex.matcher(value).matches();
    }

    /**
     * By a metric's latest value as PostgreSQL sorts doubles (NaN above every number), runs without it
     * last, ties by id in the key's direction.
     */
    private static Comparator<Run> byMetric(String key, boolean ascending) {
        Function<Run, Double> value = run -> run.latest().get(key);
        Comparator<Run> present = Comparator.comparing(run -> value.apply(run) == null);
        Comparator<Run> byValue = Comparator.comparing(value, Comparator.nullsLast(Double::compare));
        Comparator<Run> byId = Comparator.comparingLong(Run::id);
        return present.thenComparing(ascending ? byValue.thenComparing(byId) : byValue.thenComparing(byId).reversed());
    }

    private static Path dataDir() {
        try {
            return Files.createTempDirectory(Files.createDirectories(Path.of("target", "test-data")), "scale-");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
