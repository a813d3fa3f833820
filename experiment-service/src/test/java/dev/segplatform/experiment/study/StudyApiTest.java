package dev.segplatform.experiment.study;

import static org.assertj.core.api.Assertions.assertThat;

import dev.segplatform.experiment.Api;
import dev.segplatform.experiment.ServiceTest;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.DoubleUnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;

/**
 * Studies over HTTP against the shared service, with pretend trainers speaking the job protocol
 * (claim, log per-epoch metrics, heartbeat, complete). The scheduler runs by hand here ({@link
 * StudyScheduler#tick()}), so every step of a study happens when the test says.
 */
class StudyApiTest extends ServiceTest {

    static final String BASE_SPEC = """
            {"model": "unet", "epochs": 3, "imageSize": 32, "width": 8,
             "dataset": {"type": "synthetic", "count": 60, "seed": 11}}""";
    static final String SPACE = """
            {"learningRate": {"type": "loguniform", "low": 0.0001, "high": 0.1},
             "batchSize": {"type": "choice", "values": [8, 16, 32]}}""";

    @Autowired
    StudyScheduler scheduler;
    @Autowired
    StudyService service;

    long experimentId;

    @BeforeEach
    void setUp() {
        drainQueue();
        experimentId = api.experiment("study");
    }

    @AfterEach
    void endLeftoverStudies() {
        // A study left running would keep queueing trials into other tests' claims.
        jdbc.sql("update study set status = 'STOPPED', ended_at = now() where status = 'RUNNING'").update();
        drainQueue();
    }

    @Test
    void invalidStudiesAre400NamingTheFieldAndWriteNothing() {
        Map<String, String> cases = new java.util.LinkedHashMap<>();
        cases.put("space.learningRate.low", body(BASE_SPEC,
                "{\"learningRate\": {\"type\": \"loguniform\", \"low\": 0.1, \"high\": 0.01}}", "tpe", 4, 1, null));
        cases.put("space.batchSize.values", body(BASE_SPEC,
                "{\"learningRate\": {\"type\": \"uniform\", \"low\": 0.001, \"high\": 0.01},"
                        + " \"batchSize\": {\"type\": \"choice\", \"values\": []}}", "tpe", 4, 1, null));
        cases.put("space.dropout", body(BASE_SPEC.replace("\"epochs\": 3", "\"epochs\": 3, \"learningRate\": 0.01,"
                + " \"batchSize\": 8"), "{\"dropout\": {\"type\": \"uniform\", \"low\": 0.1, \"high\": 0.5}}", "tpe", 4, 1, null));
        cases.put("space.learningRate.low ", body(BASE_SPEC,
                "{\"learningRate\": {\"type\": \"loguniform\", \"low\": 0, \"high\": 0.1}}", "tpe", 4, 1, null));
        cases.put("space.batchSize.type", body(BASE_SPEC,
                "{\"batchSize\": {\"type\": \"uniform\", \"low\": 8, \"high\": 32}}", "tpe", 4, 1, null));
        cases.put("space.imageSize", body(BASE_SPEC.replace("\"epochs\": 3", "\"epochs\": 3, \"learningRate\": 0.01,"
                + " \"batchSize\": 8"), "{\"imageSize\": {\"type\": \"int\", \"low\": 32, \"high\": 256}}", "tpe", 4, 1, null));
        cases.put("space.batchSize.values[1]", body(BASE_SPEC,
                "{\"learningRate\": {\"type\": \"uniform\", \"low\": 0.001, \"high\": 0.01},"
                        + " \"batchSize\": {\"type\": \"choice\", \"values\": [8, 5000]}}", "tpe", 4, 1, null));
        cases.put("space.batchSize.values[0]", body(BASE_SPEC,
                "{\"learningRate\": {\"type\": \"uniform\", \"low\": 0.001, \"high\": 0.01},"
                        + " \"batchSize\": {\"type\": \"choice\", \"values\": [\"big\"]}}", "tpe", 4, 1, null));
        cases.put("space.classWeights.values[1]", body(BASE_SPEC,
                "{\"learningRate\": {\"type\": \"uniform\", \"low\": 0.001, \"high\": 0.01},"
                        + " \"classWeights\": {\"type\": \"choice\", \"values\": [\"none\", \"inverse\"]}}", "tpe", 4, 1, null));
        cases.put("space.classWeights.values[0]", body(BASE_SPEC,
                "{\"learningRate\": {\"type\": \"uniform\", \"low\": 0.001, \"high\": 0.01},"
                        + " \"classWeights\": {\"type\": \"choice\", \"values\": [[1.0, 0.0, 1.0]]}}", "tpe", 4, 1, null));
        // A base spec with a U-Net encoder cannot search the model over pspnet: the study is refused
        // naming the model's value, not accepted with trials that could not run.
        cases.put("space.model.values[1]", body(BASE_SPEC.replace("\"epochs\": 3", "\"epochs\": 3, \"encoder\": \"vgg16\""),
                "{\"learningRate\": {\"type\": \"uniform\", \"low\": 0.001, \"high\": 0.01},"
                        + " \"model\": {\"type\": \"choice\", \"values\": [\"unet\", \"pspnet\"]}}", "tpe", 4, 1, null));
        cases.put("space.loss.values[2]", body(BASE_SPEC,
                "{\"learningRate\": {\"type\": \"uniform\", \"low\": 0.001, \"high\": 0.01},"
                        + " \"loss\": {\"type\": \"choice\", \"values\": [\"cross-entropy\", \"lovasz\", \"lovaz\"]}}", "tpe", 4, 1, null));
        cases.put("space.loss.type", body(BASE_SPEC,
                "{\"learningRate\": {\"type\": \"uniform\", \"low\": 0.001, \"high\": 0.01},"
                        + " \"loss\": {\"type\": \"uniform\", \"low\": 0, \"high\": 1}}", "tpe", 4, 1, null));
        cases.put("space.learningRate.type", body(BASE_SPEC, SPACE.replace("loguniform", "normal"), "tpe", 4, 1, null));
        cases.put("space.learningRate.type ", body(BASE_SPEC, SPACE, "grid", 3, 1, null));
        cases.put("maxTrials", body(BASE_SPEC, "{\"learningRate\": {\"type\": \"choice\", \"values\": [0.1, 0.01]},"
                + " \"batchSize\": {\"type\": \"choice\", \"values\": [8, 16]}}", "grid", 5, 1, null));
        cases.put("maxTrials ", body(BASE_SPEC, SPACE, "tpe", 0, 1, null));
        cases.put("parallelism", body(BASE_SPEC, SPACE, "tpe", 4, 0, null));
        cases.put("baseSpec.dataset", body(BASE_SPEC.replace(",\n \"dataset\": {\"type\": \"synthetic\", \"count\": 60, \"seed\": 11}", ""),
                SPACE, "tpe", 4, 1, null));
        cases.put("baseSpec.epochs", body(BASE_SPEC.replace("\"epochs\": 3", "\"epochs\": 0"), SPACE, "tpe", 4, 1, null));
        cases.put("pruner", body(BASE_SPEC, SPACE, "tpe", 4, 1, "\"fancy\""));
        cases.put("pruner.reductionFactor", body(BASE_SPEC, SPACE, "tpe", 4, 1, "{\"type\": \"asha\", \"reductionFactor\": 1}"));
        cases.put("objective.metric", body(BASE_SPEC, SPACE, "tpe", 4, 1, null)
                .replace("\"maxTrials\"", "\"objective\": {\"metric\": \"bad\\u0000name\"}, \"maxTrials\""));

        long studies = count("study");
        long trials = count("study_trial");
        long runs = count("run");
        cases.forEach((field, json) -> {
            Api.Reply reply = api.post("/api/studies", json);
            assertThat(reply.status()).as(field + ": " + reply.text()).isEqualTo(400);
            List<String> fields = new ArrayList<>();
            reply.json().get("errors").forEach(error -> fields.add(error.get("field").asString()));
            assertThat(fields).as(field + ": " + reply.text()).contains(field.strip());
        });
        assertThat(count("study")).isEqualTo(studies);
        assertThat(count("study_trial")).isEqualTo(trials);
        assertThat(count("run")).isEqualTo(runs);
        assertThat(api.post("/api/studies", body(BASE_SPEC, SPACE, "tpe", 4, 1, null)
                .replace("\"experimentId\": " + experimentId, "\"experimentId\": 999999")).status()).isEqualTo(404);
    }

    @Test
    void keepsParallelismTrialsLiveAndCompletesWithTheBestFinishedRun() {
        JsonNode study = create(body(BASE_SPEC, SPACE, "random", 6, 2, "\"none\""));
        long id = study.get("id").asLong();
        assertThat(study.get("status").asString()).isEqualTo("RUNNING");
        assertThat(study.get("trials")).hasSize(2);
        assertThat(states(study)).containsOnly("QUEUED");
        assertThat(study.get("objective").get("metric").asString()).isEqualTo("val_mean_iou");
        scheduler.tick();
        assertThat(get(id).get("trials")).as("nothing finished, so nothing new").hasSize(2);

        // Trials finish one by one; a new one is queued each time, never more than two live.
        DoubleUnaryOperator quality = lr -> 0.9 - Math.pow(Math.log10(lr) + 2, 2) / 10;
        int failed = -1;
        while (get(id).get("status").asString().equals("RUNNING")) {
            JsonNode claim = claim();
            assertThat(claim).as("a trial is queued while the study runs").isNotNull();
            int number = trialNumber(claim);
            double lr = claim.get("spec").get("learningRate").asDouble();
            if (failed < 0) {
                // The first claimed trial logs a great value and then fails: it must not become best.
                failed = number;
                logEpochs(claim, 0.99, 0.99);
                complete(claim, "FAILED");
            } else {
                double q = quality.applyAsDouble(lr);
                logEpochs(claim, q - 0.2, q - 0.1, q);
                complete(claim, "SUCCEEDED");
            }
            scheduler.tick();
            JsonNode now = get(id);
            long live = states(now).stream().filter(s -> s.equals("QUEUED") || s.equals("RUNNING")).count();
            assertThat(live).isLessThanOrEqualTo(2);
            assertThat(now.get("trialsCreated").asInt()).isLessThanOrEqualTo(6);
        }

        JsonNode done = get(id);
        assertThat(done.get("status").asString()).isEqualTo("COMPLETED");
        assertThat(done.get("trials")).hasSize(6);
        assertThat(done.get("trialsCreated").asInt()).isEqualTo(6);
        assertThat(done.get("trialCounts").get("SUCCEEDED").asInt()).isEqualTo(5);
        assertThat(done.get("trialCounts").get("FAILED").asInt()).isEqualTo(1);
        JsonNode failedTrial = done.get("trials").get(failed);
        assertThat(failedTrial.get("state").asString()).isEqualTo("FAILED");
        assertThat(failedTrial.get("objective").isNull()).isTrue();

        // The best trial is the best finished run, computed here from the runs themselves.
        double bestValue = Double.NEGATIVE_INFINITY;
        long bestRun = -1;
        Set<Integer> numbers = new HashSet<>();
        for (JsonNode trial : done.get("trials")) {
            JsonNode run = api.get("/api/runs/" + trial.get("runId").asLong()).json();
            assertThat(run.get("tags").get("study.id").asString()).isEqualTo(Long.toString(id));
            assertThat(run.get("tags").get("study.trial").asString()).isEqualTo(trial.get("number").asString());
            assertThat(run.get("params").get("learningRate").asDouble())
                    .isEqualTo(trial.get("params").get("learningRate").asDouble());
            assertThat(run.get("spec").get("batchSize").asInt()).isIn(8, 16, 32);
            numbers.add(trial.get("number").asInt());
            if (run.get("status").asString().equals("SUCCEEDED")) {
                double value = run.get("metrics").get("val_mean_iou").get("value").asDouble();
                if (value > bestValue) {
                    bestValue = value;
                    bestRun = run.get("id").asLong();
                }
            }
        }
        assertThat(numbers).containsExactlyInAnyOrder(0, 1, 2, 3, 4, 5);
        assertThat(done.get("bestTrial").get("runId").asLong()).isEqualTo(bestRun);
        assertThat(done.get("bestTrial").get("objective").asDouble()).isEqualTo(bestValue);
        assertThat(done.get("endedAt").isNull()).isFalse();

        // Parallel coordinates: the five trials with an objective, lr on a log axis, batch size categorical.
        JsonNode pc = done.get("parallelCoordinates");
        assertThat(pc.get("trials")).hasSize(5);
        assertThat(pc.get("dimensions").get(0).get("name").asString()).isEqualTo("learningRate");
        assertThat(pc.get("dimensions").get(0).get("scale").asString()).isEqualTo("log");
        assertThat(pc.get("dimensions").get(1).get("scale").asString()).isEqualTo("categorical");
        assertThat(pc.get("dimensions").get(1).get("categories")).hasSize(3);
        assertThat(pc.get("dimensions").get(2).get("name").asString()).isEqualTo("val_mean_iou");
        assertThat(pc.get("dimensions").get(2).get("values")).hasSize(5);

        // Paging and filtering the trials.
        JsonNode page = api.get("/api/studies/" + id + "/trials?page=1&size=4").json();
        assertThat(page.get("total").asLong()).isEqualTo(6);
        assertThat(page.get("items")).hasSize(2);
        assertThat(page.get("items").get(0).get("number").asInt()).isEqualTo(4);
        JsonNode failedOnly = api.get("/api/studies/" + id + "/trials?state=FAILED").json();
        assertThat(failedOnly.get("total").asLong()).isEqualTo(1);
        assertThat(api.get("/api/studies?experimentId=" + experimentId).json().get("items")).hasSize(1);
        assertThat(api.get("/api/studies/999999").status()).isEqualTo(404);
    }

    @Test
    void medianPrunerStopsABadTrialAtItsNextHeartbeatAndAPrunedTrialIsNeverBest() {
        JsonNode study = create(body(BASE_SPEC, SPACE, "tpe", 3, 1, "{\"type\": \"median\", \"startupTrials\": 1}"));
        long id = study.get("id").asLong();

        // Trial 0 ends on a poor final value after a strong second epoch.
        JsonNode first = claim();
        logEpochs(first, 0.5, 0.9, 0.3);
        complete(first, "SUCCEEDED");
        scheduler.tick();

        // Trial 1 is fine at epoch 1 (0.6 > 0.5) and worse than the median at epoch 2 (0.8 < 0.9).
        JsonNode second = claim();
        assertThat(trialNumber(second)).isEqualTo(1);
        logEpochs(second, 0.6);
        scheduler.tick();
        assertThat(heartbeat(second)).isEqualTo("CONTINUE");
        logEpoch(second, 2, 0.8);
        scheduler.tick();
        assertThat(heartbeat(second)).isEqualTo("PRUNE");
        complete(second, "PRUNED");
        scheduler.tick();

        JsonNode third = claim();
        logEpochs(third, 0.1, 0.1, 0.2);
        complete(third, "SUCCEEDED");
        scheduler.tick();

        JsonNode done = get(id);
        assertThat(done.get("status").asString()).isEqualTo("COMPLETED");
        JsonNode pruned = done.get("trials").get(1);
        assertThat(pruned.get("state").asString()).isEqualTo("PRUNED");
        assertThat(pruned.get("objective").asDouble()).isEqualTo(0.8);
        assertThat(pruned.get("step").asLong()).isEqualTo(2);
        assertThat(pruned.get("message").asString()).contains("median");
        // 0.8 beats both finished trials, but a pruned trial never counts as best (as in Optuna).
        assertThat(done.get("bestTrial").get("number").asInt()).isEqualTo(0);
        assertThat(done.get("bestTrial").get("objective").asDouble()).isEqualTo(0.3);
        assertThat(done.get("trialCounts").get("PRUNED").asInt()).isEqualTo(1);
    }

    @Test
    void stopCancelsQueuedAndRunningTrialsAndCreatesNoMore() {
        long id = create(body(BASE_SPEC, SPACE, "tpe", 10, 2, null)).get("id").asLong();
        JsonNode running = claim();
        JsonNode stopped = api.post("/api/studies/" + id + "/stop", "").json();
        assertThat(stopped.get("status").asString()).isEqualTo("STOPPED");
        assertThat(states(stopped)).containsExactlyInAnyOrder("RUNNING", "CANCELLED");
        assertThat(heartbeat(running)).isEqualTo("CANCEL");
        complete(running, "CANCELLED");
        scheduler.tick();
        JsonNode after = get(id);
        assertThat(after.get("trials")).hasSize(2);
        assertThat(states(after)).containsOnly("CANCELLED");
        assertThat(after.get("bestTrial").isNull()).isTrue();
        assertThat(api.post("/api/studies/" + id + "/stop", "").status()).isEqualTo(409);
    }

    @Test
    void aStudyWhoseTrialsAllFailEndsFailed() {
        long id = create(body(BASE_SPEC, SPACE, "random", 2, 2, null)).get("id").asLong();
        for (int i = 0; i < 2; i++) {
            complete(claim(), "FAILED");
        }
        scheduler.tick();
        JsonNode done = get(id);
        assertThat(done.get("status").asString()).isEqualTo("FAILED");
        assertThat(done.get("message").asString()).contains("none of the 2 trials succeeded");
        assertThat(done.get("trials")).hasSize(2);
    }

    @Test
    void gridEnumeratesEveryCombinationAsATrial() {
        JsonNode study = create(body(BASE_SPEC.replace("\"epochs\": 3", "\"epochs\": 3, \"learningRate\": 0.01"),
                "{\"batchSize\": {\"type\": \"choice\", \"values\": [8, 16]},"
                        + " \"weightDecay\": {\"type\": \"quniform\", \"low\": 0.0, \"high\": 0.2, \"q\": 0.1}}",
                "grid", 6, 6, null));
        Set<String> combos = new HashSet<>();
        study.get("trials").forEach(t -> combos.add(t.get("params").toString()));
        assertThat(combos).containsExactlyInAnyOrder(
                "{\"batchSize\":8,\"weightDecay\":0.0}", "{\"batchSize\":8,\"weightDecay\":0.1}",
                "{\"batchSize\":8,\"weightDecay\":0.2}", "{\"batchSize\":16,\"weightDecay\":0.0}",
                "{\"batchSize\":16,\"weightDecay\":0.1}", "{\"batchSize\":16,\"weightDecay\":0.2}");
    }

    /** The loss options are searched like any other categorical field; classWeights' choices mix strings and lists. */
    @Test
    void gridSearchesLossAndClassWeights() {
        JsonNode study = create(body(BASE_SPEC.replace("\"epochs\": 3", "\"epochs\": 3, \"learningRate\": 0.01, \"batchSize\": 8"),
                "{\"loss\": {\"type\": \"choice\", \"values\": [\"cross-entropy\", \"dice\", \"lovasz\"]},"
                        + " \"classWeights\": {\"type\": \"choice\", \"values\": [\"none\", \"median-frequency\", [1, 1, 4]]}}",
                "grid", 9, 9, null));
        Set<String> combos = new HashSet<>();
        study.get("trials").forEach(t -> combos.add(t.get("params").toString()));
        assertThat(combos).containsExactlyInAnyOrder(
                "{\"loss\":\"cross-entropy\",\"classWeights\":\"none\"}",
                "{\"loss\":\"cross-entropy\",\"classWeights\":\"median-frequency\"}",
                "{\"loss\":\"cross-entropy\",\"classWeights\":[1,1,4]}",
                "{\"loss\":\"dice\",\"classWeights\":\"none\"}",
                "{\"loss\":\"dice\",\"classWeights\":\"median-frequency\"}",
                "{\"loss\":\"dice\",\"classWeights\":[1,1,4]}",
                "{\"loss\":\"lovasz\",\"classWeights\":\"none\"}",
                "{\"loss\":\"lovasz\",\"classWeights\":\"median-frequency\"}",
                "{\"loss\":\"lovasz\",\"classWeights\":[1,1,4]}");
    }

    @Test
    void concurrentAdvancesNeitherExceedParallelismNorRepeatATrial() throws Exception {
        long id = create(body(BASE_SPEC, SPACE, "tpe", 7, 3, null)).get("id").asLong();
        for (int i = 0; i < 3; i++) {
            JsonNode claim = claim();
            logEpochs(claim, 0.1 * (i + 1));
            complete(claim, "SUCCEEDED");
        }
        ExecutorService pool = Executors.newFixedThreadPool(6);
        try {
            List<Callable<Void>> advances = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                advances.add(() -> {
                    service.advance(id);
                    return null;
                });
            }
            for (Future<Void> done : pool.invokeAll(advances)) {
                done.get();
            }
        } finally {
            pool.shutdown();
        }
        JsonNode study = get(id);
        assertThat(study.get("trialsCreated").asInt()).isEqualTo(6);
        assertThat(study.get("trials")).hasSize(6);
        assertThat(states(study).stream().filter("QUEUED"::equals).count()).isEqualTo(3);
        assertThat(jdbc.sql("select count(*) from run_tag where key = 'study.id' and value = :id")
                .param("id", Long.toString(id)).query(Long.class).single()).isEqualTo(6);
    }

    // --- helpers: the user side and a pretend trainer -------------------------------------------------

    String body(String baseSpec, String space, String algorithm, int maxTrials, int parallelism, String pruner) {
        return """
                {"experimentId": %d, "name": "tune", "baseSpec": %s, "space": %s, "algorithm": "%s",
                 "maxTrials": %d, "parallelism": %d, "seed": 7%s}"""
                .formatted(experimentId, baseSpec, space, algorithm, maxTrials, parallelism,
                        pruner == null ? "" : ", \"pruner\": " + pruner);
    }

    JsonNode create(String body) {
        Api.Reply reply = api.post("/api/studies", body);
        assertThat(reply.status()).as(reply.text()).isEqualTo(201);
        assertThat(reply.header("Location")).endsWith("/api/studies/" + reply.json().get("id").asLong());
        return reply.json();
    }

    JsonNode get(long id) {
        Api.Reply reply = api.get("/api/studies/" + id);
        assertThat(reply.status()).as(reply.text()).isEqualTo(200);
        return reply.json();
    }

    static List<String> states(JsonNode study) {
        List<String> states = new ArrayList<>();
        study.get("trials").forEach(t -> states.add(t.get("state").asString()));
        return states;
    }

    JsonNode claim() {
        Api.Reply reply = api.post("/api/jobs/claim", "{\"workerId\": \"pretend\"}");
        return reply.status() == 204 ? null : reply.json();
    }

    int trialNumber(JsonNode claim) {
        return api.get("/api/runs/" + claim.get("runId").asLong()).json().get("tags").get("study.trial").asInt();
    }

    void logEpochs(JsonNode claim, double... values) {
        for (int i = 0; i < values.length; i++) {
            logEpoch(claim, i + 1, values[i]);
        }
    }

    void logEpoch(JsonNode claim, int epoch, double value) {
        Api.Reply reply = api.post("/api/runs/" + claim.get("runId").asLong() + "/metrics", """
                {"metrics": [{"key": "val_mean_iou", "value": %s, "step": %d},
                             {"key": "loss", "value": %s, "step": %d}]}""".formatted(value, epoch, 1 - value, epoch),
                Map.of("X-Lease-Token", claim.get("leaseToken").asString()));
        assertThat(reply.status()).as(reply.text()).isEqualTo(204);
    }

    String heartbeat(JsonNode claim) {
        return api.post("/api/jobs/" + claim.get("jobId").asLong() + "/heartbeat",
                "{\"leaseToken\": \"" + claim.get("leaseToken").asString() + "\"}").json().get("action").asString();
    }

    void complete(JsonNode claim, String outcome) {
        Api.Reply reply = api.post("/api/jobs/" + claim.get("jobId").asLong() + "/complete",
                "{\"leaseToken\": \"" + claim.get("leaseToken").asString() + "\", \"outcome\": \"" + outcome + "\"}");
        assertThat(reply.status()).as(reply.text()).isEqualTo(204);
    }
}
