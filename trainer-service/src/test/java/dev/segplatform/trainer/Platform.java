package dev.segplatform.trainer;

import dev.segplatform.experiment.client.ExperimentClient;
import dev.segplatform.testsupport.ServiceProcess;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Predicate;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * One experiment service process shared by the trainer tests, with short leases so that a killed
 * worker's job comes back quickly, and the user-side calls the tests make (create runs, wait).
 */
final class Platform {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    static final Path ROOT = Path.of("target", "e2e").toAbsolutePath();
    private static ServiceProcess experiment;

    private Platform() {
    }

    /**
     * The job protocol's token, given to the experiment service and the trainers by environment
     * variable, the way bin/platform and the Helm chart do.
     */
    static final String INTERNAL_TOKEN = "trainer-tests-" + java.util.UUID.randomUUID();

    static synchronized ServiceProcess experimentService() throws Exception {
        if (experiment == null) {
            Files.createDirectories(ROOT);
            experiment = ServiceProcess.experimentService(Files.createTempDirectory(ROOT, "experiment-"),
                    java.util.Map.of("EXPERIMENT_INTERNAL_TOKEN", INTERNAL_TOKEN),
                    "--experiment.lease-duration=6s", "--experiment.sweep-interval=1s",
                    "--experiment.study-interval=1s");
        }
        return experiment;
    }

    static ExperimentClient client() throws Exception {
        return new ExperimentClient(experimentService().url(), INTERNAL_TOKEN);
    }

    /** A trainer process against the shared experiment service, sharing one work folder (and data sets). */
    static ServiceProcess trainer(String name, String... extra) throws Exception {
        return trainer(name, java.util.Map.of(), extra);
    }

    /** A trainer with extra environment variables for its process. */
    static ServiceProcess trainer(String name, java.util.Map<String, String> environment, String... extra)
            throws Exception {
        return trainer(name, experimentService().url(), environment, extra);
    }

    /** A trainer that reaches the experiment service at {@code experimentUrl} (a proxy in front of it, say). */
    static ServiceProcess trainer(String name, java.net.URI experimentUrl, java.util.Map<String, String> environment,
            String... extra) throws Exception {
        java.util.Map<String, String> withToken = new java.util.HashMap<>(environment);
        withToken.putIfAbsent("TRAINER_INTERNAL_TOKEN", INTERNAL_TOKEN);
        // Every trainer JVM starts with Spark's Java 17 options, as bin/platform's and the image's do.
        withToken.putIfAbsent("JDK_JAVA_OPTIONS", dev.segplatform.spark.SparkExecutors.javaOptions());
        String[] args = new String[extra.length + 5];
        args[0] = "--trainer.experiment-url=" + experimentUrl;
        args[1] = "--trainer.worker-id=" + name;
        args[2] = "--trainer.work-dir=" + ROOT.resolve("work");
        args[3] = "--trainer.heartbeat-interval=1s";
        args[4] = "--trainer.idle-backoff-max=1s";
        System.arraycopy(extra, 0, args, 5, extra.length);
        return ServiceProcess.onTestClasspath(TrainerServiceApplication.class,
                ROOT.resolve(name + "-" + System.nanoTime() + ".log"), withToken, args);
    }

    static long experiment(String name) throws Exception {
        return post("/api/experiments", "{\"name\":\"" + name + "-" + System.nanoTime() + "\"}").get("id").asLong();
    }

    /** The small synthetic data set every trainer test shares (generated once per work folder). */
    static final String PETS = "{\"type\": \"synthetic\", \"count\": 60, \"seed\": 11}";

    /** A small, fast run; {@code extraSpec} adds spec fields such as {@code "devices": 2}. */
    static long run(long experimentId, String model, int epochs, String extraSpec) throws Exception {
        return run(experimentId, model, epochs, PETS, extraSpec);
    }

    static long run(long experimentId, String model, int epochs, String dataset, String extraSpec) throws Exception {
        String body = """
                {"spec": {"model": "%s", "epochs": %d, "batchSize": 8, "learningRate": 0.01, "imageSize": 32,
                 "width": 8, "seed": 3, "dataset": %s%s}}"""
                .formatted(model, epochs, dataset, extraSpec.isEmpty() ? "" : ", " + extraSpec);
        return post("/api/experiments/" + experimentId + "/runs", body).get("id").asLong();
    }

    static JsonNode cancel(long runId) throws Exception {
        return post("/api/runs/" + runId + "/cancel", "");
    }

    /** Polls the run until {@code done} holds, or fails after {@code timeout}. */
    static JsonNode await(long runId, Duration timeout, Predicate<JsonNode> done) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        JsonNode run = null;
        while (System.nanoTime() < deadline) {
            run = client().run(runId);
            if (done.test(run)) {
                return run;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("run " + runId + " did not get there in " + timeout + "; last seen: " + run);
    }

    static JsonNode awaitEnd(long runId, Duration timeout) throws Exception {
        return await(runId, timeout, run -> switch (run.get("status").asString()) {
            case "QUEUED", "RUNNING" -> false;
            default -> true;
        });
    }

    static JsonNode get(String path) throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create(experimentService().url() + path)).GET().build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() >= 300) {
            throw new AssertionError(path + " answered " + response.statusCode() + ": " + response.body());
        }
        return JSON.readTree(response.body());
    }

    static JsonNode post(String path, String json) throws Exception {
        HttpResponse<String> response = send(path, json);
        if (response.statusCode() >= 300) {
            throw new AssertionError(path + " answered " + response.statusCode() + ": " + response.body());
        }
        return JSON.readTree(response.body());
    }

    /** A POST whatever its answer, for tests of refusals. */
    static HttpResponse<String> send(String path, String json) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create(experimentService().url() + path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
