package dev.segplatform.experiment;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** Each bad request gets a 4xx problem detail naming the field, and leaves every table as it was. */
class BadInputTest extends ServiceTest {

    private static final List<String> TABLES =
            List.of("experiment", "run", "run_param", "run_tag", "job", "metric", "latest_metric", "artifact");

    long experimentId;
    long runId;

    @BeforeEach
    void setUp() {
        experimentId = api.experiment("bad-input");
        runId = api.run(experimentId, "unet");
    }

    @Test
    void malformedJson() {
        JsonNode problem = refused(400, "/api/experiments/" + experimentId + "/runs", () ->
                api.post("/api/experiments/" + experimentId + "/runs", "{\"spec\": {\"model\": \"unet\","));
        assertThat(problem.get("type").asString()).endsWith("malformed-request");
    }

    @Test
    void unknownModel() {
        JsonNode problem = refusedRun("\"model\": \"segformer\"");
        assertThat(field(problem)).isEqualTo("spec.model");
        assertThat(problem.get("detail").asString()).contains("unet, pspnet, icnet");
    }

    @Test
    void negativeEpochs() {
        assertThat(field(refusedRun("\"epochs\": -3"))).isEqualTo("spec.epochs");
    }

    @Test
    void oversizedBatch() {
        assertThat(field(refusedRun("\"batchSize\": 100000"))).isEqualTo("spec.batchSize");
    }

    @Test
    void imageSizeNotAMultipleOf32() {
        assertThat(field(refusedRun("\"imageSize\": 100"))).isEqualTo("spec.imageSize");
    }

    /** The core builds at most ModelLimits.MAX_WIDTH filters; the API once took up to 1024 and the trainer failed. */
    @Test
    void widthAboveWhatTheCoreBuilds() {
        assertThat(field(refusedRun("\"width\": 513"))).isEqualTo("spec.width");
    }

    /** A zero ICNet loss weight leaves a branch untrained; the core refuses it, so the API does. */
    @Test
    void zeroIcnetLossWeight() {
        JsonNode problem = refusedRun("\"icnetLossWeights\": [0.0, 0.4, 1.0]");
        assertThat(field(problem)).startsWith("spec.icnetLossWeights[0]");
    }

    /** classWeights is a method name or one number per class; anything else is refused saying so. */
    @Test
    void classWeightsNeitherAMethodNorNumbers() {
        JsonNode problem = refusedRun("\"classWeights\": \"inverse\"");
        assertThat(field(problem)).isEqualTo("spec.classWeights");
        assertThat(problem.toString()).contains("median-frequency");
        assertThat(field(refusedRun("\"classWeights\": [1.0, 0.0, 2.0]"))).startsWith("spec.classWeights.values[1]");
        assertThat(field(refusedRun("\"loss\": \"focal\""))).isEqualTo("spec.loss");
        // A misspelt loss is refused with the accepted names, the Lovász option among them.
        JsonNode misspelt = refusedRun("\"loss\": \"lovaz\"");
        assertThat(field(misspelt)).isEqualTo("spec.loss");
        assertThat(misspelt.get("errors").get(0).toString()).contains("'lovaz'").contains("lovasz").contains("dice");
        assertThat(field(refusedRun("\"keep\": \"first\""))).isEqualTo("spec.keep");
    }

    /** A pretrained encoder is the U-Net's only; each encoder field elsewhere is refused by name. */
    @Test
    void encoderFieldsOutsideTheUnet() {
        assertThat(field(refusedRun("\"model\": \"pspnet\", \"encoder\": \"vgg16\""))).isEqualTo("spec.encoder");
        assertThat(field(refusedRun("\"model\": \"icnet\", \"encoderWeights\": \"imagenet\"")))
                .isEqualTo("spec.encoderWeights");
        assertThat(field(refusedRun("\"model\": \"icnet\", \"freezeEncoder\": true"))).isEqualTo("spec.freezeEncoder");
        assertThat(field(refusedRun("\"encoderWeights\": \"imagenet\""))).isEqualTo("spec.encoderWeights");
        assertThat(field(refusedRun("\"encoder\": \"resnet50\""))).isEqualTo("spec.encoder");
        // A weights path is relative to the trainer's weights root and cannot leave it.
        assertThat(field(refusedRun("\"encoder\": \"vgg16\", \"encoderWeights\": \"/etc/passwd\"")))
                .isEqualTo("spec.encoderWeights");
        assertThat(field(refusedRun("\"encoder\": \"vgg16\", \"encoderWeights\": \"vgg16/../../x.zip\"")))
                .isEqualTo("spec.encoderWeights");
    }

    /** Spark's workers and ParallelWrapper's devices are two ways to spread a run: not both, and within bounds. */
    @Test
    void distributedWithDevicesFlipsOrOutOfBounds() {
        assertThat(field(refusedRun("\"devices\": 2, \"distributed\": {\"workers\": 2}"))).isEqualTo("spec.distributed");
        assertThat(field(refusedRun("\"augment\": true, \"distributed\": {\"workers\": 2}"))).isEqualTo("spec.augment");
        assertThat(field(refusedRun("\"distributed\": {\"workers\": 0}"))).isEqualTo("spec.distributed.workers");
        assertThat(field(refusedRun("\"distributed\": {\"averagingFrequency\": 4}"))).isEqualTo("spec.distributed.workers");
        assertThat(field(refusedRun("\"distributed\": {\"workers\": 2, \"averagingFrequency\": 0}")))
                .isEqualTo("spec.distributed.averagingFrequency");
    }

    @Test
    void unknownSpecField() {
        assertThat(field(refusedRun("\"epocs\": 3"))).isEqualTo("spec.epocs");
    }

    @Test
    void datasetPathEscapingTheRoot() {
        JsonNode problem = refused(400, null, () -> api.post("/api/experiments/" + experimentId + "/runs", """
                {"spec": {"model": "unet", "epochs": 1, "batchSize": 8, "learningRate": 0.01, "imageSize": 64,
                 "dataset": {"type": "oxford-pet", "path": "../../etc"}}}"""));
        assertThat(field(problem)).isEqualTo("spec.dataset.path");
    }

    @Test
    void runInMissingExperiment() {
        refused(404, null, () -> api.post("/api/experiments/999999/runs", Api.runBody("unet")));
    }

    @Test
    void metricBatchOverTheLimitIsRefusedWhole() {
        StringBuilder points = new StringBuilder();
        for (int i = 0; i < 1001; i++) {
            points.append(i == 0 ? "" : ",").append("{\"key\":\"loss\",\"value\":1.0,\"step\":").append(i).append('}');
        }
        cancel(runId);
        JsonNode problem = refused(400, null,
                () -> api.post("/api/runs/" + runId + "/metrics", "{\"metrics\":[" + points + "]}"));
        assertThat(field(problem)).isEqualTo("metrics");
    }

    @Test
    void oneBadPointRefusesTheWholeBatch() {
        cancel(runId);
        JsonNode problem = refused(400, null, () -> api.post("/api/runs/" + runId + "/metrics", """
                {"metrics": [{"key": "loss", "value": 1.0, "step": 1}, {"key": "bad key!", "value": 2.0, "step": 2}]}"""));
        assertThat(field(problem)).isEqualTo("metrics[1].key");
    }

    @Test
    void filterSyntaxErrors() {
        for (String filter : List.of("metrics.loss >", "metrics.loss > 'high'", "params.model = 3",
                "nonsense.x = 1", "metrics.loss > 1 or params.a = 'b'", "params.model = 'unterminated",
                "attributes.colour = 'red'", "attributes.status = 'EXPLODED'", "metrics.loss ~ 1")) {
            JsonNode problem = refused(400, null, () -> api.get("/api/runs", Api.query("filter", filter)));
            assertThat(field(problem)).as(filter).isEqualTo("filter");
        }
        assertThat(field(refused(400, null, () -> api.get("/api/runs", Api.query("orderBy", "metrics.loss sideways")))))
                .isEqualTo("orderBy");
        assertThat(field(refused(400, null, () -> api.get("/api/runs", Api.query("pageToken", "garbage!!")))))
                .isEqualTo("pageToken");
    }

    @Test
    void sqlInFilterValuesIsJustAValue() {
        Map<String, Long> before = counts();
        for (String filter : List.of("params.model = 'x'' or 1=1 --'", "params.model = 'unet''; drop table run; --'",
                "tags.`a'; delete from job; --` = 'x'", "params.model IN ('unet'') or (''1''=''1')")) {
            Api.Reply reply = api.get("/api/runs", Api.query("filter", filter, "experimentId", "" + experimentId));
            assertThat(reply.status()).as(filter).isEqualTo(200);
            assertThat(reply.json().get("runs")).as(filter).isEmpty();
        }
        assertThat(counts()).isEqualTo(before);
        // The same filter with an honest value still finds the run, so the empty answers above mean something.
        assertThat(api.get("/api/runs", Api.query("filter", "params.model = 'unet'", "experimentId", "" + experimentId))
                .json().get("runs")).hasSize(1);
    }

    @Test
    void pathTraversalInArtifactNames() {
        cancel(runId);
        for (String path : List.of("../../etc/passwd", "..%2F..%2Fetc%2Fpasswd", "%2e%2e/%2e%2e/secret", "a/../../b",
                "a%00b", "a%5Cb", "%2F%2Fabsolute", "C:%5Cwindows")) {
            Api.Reply reply = refusedReply(() -> api.put("/api/runs/" + runId + "/artifacts/" + path, new byte[] {1},
                    Map.of()));
            assertThat(reply.status()).as(path).isBetween(400, 404);
            assertThat(reply.header("Content-Type")).as(path).startsWith("application/problem+json");
        }
    }

    @Test
    void artifactOverTheSizeLimitIsRefusedAndNotListed() {
        cancel(runId);
        JsonNode problem = refused(413, null,
                () -> api.put("/api/runs/" + runId + "/artifacts/big.bin", new byte[2 * 1024 * 1024], Map.of()));
        assertThat(problem.get("type").asString()).endsWith("payload-too-large");
        assertThat(api.get("/api/runs/" + runId + "/artifacts").json()).isEmpty();
    }

    @Test
    void duplicateExperimentName() {
        String name = api.get("/api/experiments/" + experimentId).json().get("name").asString();
        refused(409, null, () -> api.post("/api/experiments", "{\"name\":\"" + name + "\"}"));
    }

    private void cancel(long id) {
        assertThat(api.post("/api/runs/" + id + "/cancel", "").status()).isEqualTo(200);
    }

    private JsonNode refusedRun(String override) {
        String spec = """
                {"model": "unet", "epochs": 1, "batchSize": 8, "learningRate": 0.01, "imageSize": 64,
                 "dataset": {"type": "synthetic", "count": 50}}""";
        String key = override.substring(0, override.indexOf(':') + 1);
        String patched = spec.contains(key) ? spec.replaceFirst(java.util.regex.Pattern.quote(key) + "\\s*[^,}]+", override)
                : spec.replaceFirst("\\{", "{" + override + ", ");
        return refused(400, null, () -> api.post("/api/experiments/" + experimentId + "/runs", "{\"spec\": " + patched + "}"));
    }

    private JsonNode refused(int status, String instance, Supplier<Api.Reply> request) {
        Api.Reply reply = refusedReply(request);
        assertThat(reply.status()).as(reply.text()).isEqualTo(status);
        assertThat(reply.header("Content-Type")).startsWith("application/problem+json");
        JsonNode problem = reply.json();
        assertThat(problem.get("status").asInt()).isEqualTo(status);
        assertThat(problem.get("type").asString()).startsWith("urn:segplatform:problem:");
        if (instance != null) {
            assertThat(problem.get("instance").asString()).isEqualTo(instance);
        }
        return problem;
    }

    private Api.Reply refusedReply(Supplier<Api.Reply> request) {
        Map<String, Long> before = counts();
        Api.Reply reply = request.get();
        assertThat(counts()).as("nothing written by " + reply.text()).isEqualTo(before);
        return reply;
    }

    private static String field(JsonNode problem) {
        return problem.get("errors").get(0).get("field").asString();
    }

    private Map<String, Long> counts() {
        Map<String, Long> counts = new java.util.TreeMap<>();
        TABLES.forEach(table -> counts.put(table, count(table)));
        return counts;
    }
}
