package dev.segplatform.experiment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.segplatform.experiment.config.ExperimentProperties;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Size limits (experiment.limits), NUL characters and wrongly typed JSON: each a 400 naming the field
 * in the client's terms, with nothing written.
 */
class LimitsAndEncodingTest extends ServiceTest {

    private static final List<String> TABLES = List.of("experiment", "experiment_tag", "run", "run_param", "run_tag",
            "job", "metric", "latest_metric", "artifact");

    long experimentId;
    long runId;

    @BeforeEach
    void setUp() {
        experimentId = api.experiment("limits");
        runId = api.run(experimentId, "unet");
    }

    @Test
    @Tag("reliability")
    void tooManyTagsOnAnExperimentAreRefusedQuickly() {
        String tags = tags(101, 10);
        JsonNode problem = refused("/api/experiments", () -> api.post("/api/experiments",
                "{\"name\": \"many-tags-" + System.nanoTime() + "\", \"tags\": " + tags + "}"));
        assertThat(fields(problem)).containsExactly("tags");
        assertThat(problem.get("detail").asString()).contains("at most 100");
        // At the limit is fine.
        assertThat(api.post("/api/experiments", "{\"name\": \"tags-" + System.nanoTime() + "\", \"tags\": "
                + tags(100, 10) + "}").status()).isEqualTo(201);
    }

    @Test
    @Tag("reliability")
    void tagKeysAndValuesHaveMlflowsLengths() {
        String longKey = "k".repeat(251);
        JsonNode key = refused("/api/experiments", () -> api.post("/api/experiments",
                "{\"name\": \"long-key-" + System.nanoTime() + "\", \"tags\": {\"" + longKey + "\": \"v\"}}"));
        assertThat(fields(key)).containsExactly("tags");
        assertThat(key.get("detail").asString()).contains("at most 250");

        JsonNode value = refused("/api/experiments/" + experimentId + "/runs", () -> api.post(
                "/api/experiments/" + experimentId + "/runs", Api.runBody("unet").replaceFirst("\\{",
                        "{\"tags\": {\"note\": \"" + "v".repeat(8001) + "\"}, ")));
        assertThat(fields(value)).containsExactly("tags.note");

        // 8000 characters fit (the column was widened to MLflow's limit).
        Api.Reply fits = api.put("/api/runs/" + runId + "/tags",
                "{\"tags\": {\"note\": \"" + "v".repeat(8000) + "\"}}");
        assertThat(fits.status()).as(fits.text()).isEqualTo(200);
    }

    @Test
    @Tag("reliability")
    void runTagsAreCappedPerRequestAndInTotal() {
        JsonNode perRequest = refused("/api/runs/" + runId + "/tags",
                () -> api.put("/api/runs/" + runId + "/tags", "{\"tags\": " + tags(101, 5) + "}"));
        assertThat(fields(perRequest)).containsExactly("tags");

        assertThat(api.put("/api/runs/" + runId + "/tags", "{\"tags\": " + tags(90, 5) + "}").status()).isEqualTo(200);
        long tagsBefore = count("run_tag");
        Api.Reply total = api.put("/api/runs/" + runId + "/tags",
                "{\"tags\": {\"x1\": \"1\", \"x2\": \"2\", \"x3\": \"3\", \"x4\": \"4\", \"x5\": \"5\", \"x6\": \"6\","
                        + " \"x7\": \"7\", \"x8\": \"8\", \"x9\": \"9\", \"x10\": \"10\", \"x11\": \"11\"}}");
        assertThat(total.status()).as(total.text()).isEqualTo(400);
        assertThat(total.json().get("detail").asString()).contains("101");
        assertThat(count("run_tag")).isEqualTo(tagsBefore);
        // Overwriting existing keys does not grow the count: 90 overwritten + 10 new is the limit exactly.
        assertThat(api.put("/api/runs/" + runId + "/tags", "{\"tags\": " + tags(100, 7) + "}").status())
                .isEqualTo(200);
        assertThat(api.put("/api/runs/" + runId + "/tags", "{\"tags\": {\"one-more\": \"1\"}}").status())
                .isEqualTo(400);
    }

    @Test
    @Tag("reliability")
    void paramsNamesAndMetricKeysHaveLimits() {
        JsonNode params = refused("/api/runs/" + runId + "/params", () -> api.post("/api/runs/" + runId + "/params",
                "{\"params\": {\"" + "p".repeat(251) + "\": \"1\", \"ok\": \"" + "v".repeat(8001) + "\"}}"));
        assertThat(fields(params)).containsExactlyInAnyOrder("params", "params.ok");

        JsonNode name = refused("/api/experiments", () -> api.post("/api/experiments",
                "{\"name\": \"" + "n".repeat(257) + "\"}"));
        assertThat(fields(name)).containsExactly("name");

        JsonNode metric = refused("/api/runs/" + runId + "/metrics", () -> api.post("/api/runs/" + runId + "/metrics",
                "{\"metrics\": [{\"key\": \"ok\", \"value\": 1}, {\"key\": \"" + "m".repeat(251) + "\", \"value\": 1}]}"));
        assertThat(fields(metric)).containsExactly("metrics[1].key");
    }

    /** Up to the limit means up to it: values that do not compress must fit every column and index. */
    @Test
    void valuesAtTheLimitAreStoredAndFound() {
        String random = new java.util.Random(1).ints(8000, 0, 62)
                .mapToObj(i -> String.valueOf("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789".charAt(i)))
                .collect(Collectors.joining());
        Api.Reply param = api.post("/api/runs/" + runId + "/params", "{\"params\": {\"long\": \"" + random + "\"}}");
        assertThat(param.status()).as(param.text()).isEqualTo(200);
        Api.Reply tag = api.put("/api/runs/" + runId + "/tags", "{\"tags\": {\"long\": \"" + random + "\"}}");
        assertThat(tag.status()).as(tag.text()).isEqualTo(200);
        JsonNode run = api.get("/api/runs/" + runId).json();
        assertThat(run.get("params").get("long").asString()).isEqualTo(random);
        assertThat(run.get("tags").get("long").asString()).isEqualTo(random);
        JsonNode found = api.get("/api/runs", Api.query("experimentId", "" + experimentId,
                "filter", "params.long LIKE '" + random.substring(0, 100) + "%'")).json();
        assertThat(found.get("runs")).hasSize(1);
        // Equality on the whole value, too long for a URL, through MLflow's search (a POST body).
        Api.Reply equal = api.post("/api/2.0/mlflow/runs/search", "{\"experiment_ids\": [\"" + experimentId
                + "\"], \"filter\": \"params.long = '" + random + "'\"}");
        assertThat(equal.status()).as(equal.text()).isEqualTo(200);
        assertThat(equal.json().get("runs")).hasSize(1);
        assertThat(equal.json().get("runs").get(0).get("info").get("run_id").asString()).isEqualTo("" + runId);
    }

    @Test
    void theLimitsAreSettingsCappedByTheSchema() {
        ExperimentProperties.Limits lowered = new ExperimentProperties.Limits(64, 10, 50, 100, 10, 50, 100, 50, 1000);
        assertThat(lowered.tagsPerEntity()).isEqualTo(10);
        assertThatThrownBy(() -> new ExperimentProperties.Limits(256, 100, 250, 9000, 100, 250, 8000, 250, 100_000))
                .hasMessageContaining("experiment.limits.tag-value-length");
    }

    @Test
    @Tag("reliability")
    void aNulCharacterIsA400NamingTheField() {
        String nul = "\\u0000";
        Map<String, Supplier<Api.Reply>> requests = new java.util.LinkedHashMap<>();
        requests.put("name", () -> api.post("/api/experiments", "{\"name\": \"a" + nul + "b\"}"));
        requests.put("tags", () -> api.post("/api/experiments",
                "{\"name\": \"nul-" + System.nanoTime() + "\", \"tags\": {\"k" + nul + "\": \"v\"}}"));
        requests.put("tags.k", () -> api.post("/api/experiments",
                "{\"name\": \"nul-" + System.nanoTime() + "\", \"tags\": {\"k\": \"v" + nul + "\"}}"));
        requests.put("params.p", () -> api.post("/api/runs/" + runId + "/params", "{\"params\": {\"p\": \"" + nul + "\"}}"));
        requests.put("spec.dataset.path", () -> api.post("/api/experiments/" + experimentId + "/runs",
                Api.runBody("unet").replace("\"type\": \"synthetic\", \"count\": 100, \"seed\": 7",
                        "\"type\": \"oxford-pet\", \"path\": \"pets" + nul + "\"")));
        requests.put("filter", () -> api.get("/api/runs?filter=params.model%20%3D%20%27a%00b%27"));
        requests.put("name ", () -> api.get("/api/experiments?name=a%00"));
        for (Map.Entry<String, Supplier<Api.Reply>> request : requests.entrySet()) {
            Map<String, Long> before = counts();
            Api.Reply reply = request.getValue().get();
            assertThat(reply.status()).as(request.getKey() + ": " + reply.text()).isEqualTo(400);
            assertThat(fields(reply.json())).as(request.getKey()).containsExactly(request.getKey().strip());
            assertThat(reply.json().get("detail").asString()).contains("NUL");
            assertThat(counts()).isEqualTo(before);
        }
    }

    @Test
    @Tag("reliability")
    void wronglyTypedJsonIsDescribedInJsonTerms() {
        Map<String, String> cases = Map.of(
                "{\"name\": \"x\", \"tags\": {\"a\": {\"b\": 1}}}", "tags.a: expected a string, got an object",
                "{\"name\": [\"x\"]}", "name: expected a string, got an array",
                "{\"name\": \"x\", \"tags\": [1]}", "tags: expected an object, got an array",
                "{\"name\": {}}", "name: expected a string, got an object");
        for (Map.Entry<String, String> c : cases.entrySet()) {
            Api.Reply reply = api.post("/api/experiments", c.getKey());
            assertThat(reply.status()).as(c.getKey()).isEqualTo(400);
            assertThat(reply.json().get("detail").asString()).as(c.getKey()).isEqualTo(c.getValue());
            assertThat(reply.text()).as(c.getKey()).doesNotContain("java.", "Cannot deserialize", "`");
        }
        Api.Reply epochs = api.post("/api/experiments/" + experimentId + "/runs",
                Api.runBody("unet").replace("\"epochs\": 2", "\"epochs\": \"many\""));
        assertThat(epochs.json().get("detail").asString()).isEqualTo("spec.epochs: expected an integer, got 'many'");
        Api.Reply query = api.get("/api/runs?experimentId=abc");
        assertThat(query.status()).isEqualTo(400);
        assertThat(query.json().get("detail").asString()).isEqualTo("experimentId: expected an integer, got 'abc'");
        assertThat(query.text()).doesNotContain("java.", "Long");
    }

    private JsonNode refused(String instance, Supplier<Api.Reply> request) {
        Map<String, Long> before = counts();
        long started = System.nanoTime();
        Api.Reply reply = request.get();
        assertThat(reply.status()).as(reply.text()).isEqualTo(400);
        assertThat(reply.header("Content-Type")).startsWith("application/problem+json");
        assertThat(reply.json().get("instance").asString()).isEqualTo(instance);
        assertThat(counts()).as("nothing written").isEqualTo(before);
        assertThat((System.nanoTime() - started) / 1_000_000).as("ms to refuse").isLessThan(5000);
        return reply.json();
    }

    private Map<String, Long> counts() {
        return TABLES.stream().collect(Collectors.toMap(table -> table, this::count));
    }

    private static List<String> fields(JsonNode problem) {
        List<String> fields = new java.util.ArrayList<>();
        problem.get("errors").forEach(error -> fields.add(error.get("field").asString()));
        return fields;
    }

    private static String tags(int count, int valueLength) {
        return IntStream.range(0, count).mapToObj(i -> "\"t" + i + "\": \"" + "v".repeat(valueLength) + "\"")
                .collect(Collectors.joining(", ", "{", "}"));
    }
}
