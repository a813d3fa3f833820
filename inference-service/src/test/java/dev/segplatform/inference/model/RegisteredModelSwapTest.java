package dev.segplatform.inference.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.segplatform.inference.Http;
import dev.segplatform.inference.Http.Reply;
import dev.segplatform.inference.InferenceServiceApplication;
import dev.segplatform.inference.TestModels;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.JsonNode;

/**
 * Serving by alias against a real experiment service: {@code models:/pets@production} serves the
 * version the alias names; moving the alias to another version swaps the model under load without a
 * failed request, and moving it back rolls back. The answers and {@code /api/model} name the
 * registered model, version and alias.
 */
class RegisteredModelSwapTest {

    private static Registry registry;

    @BeforeAll
    static void startExperimentService() throws Exception {
        TestModels.trained();
        registry = new Registry("alias");
    }

    @AfterAll
    static void stop() throws InterruptedException {
        if (registry != null) {
            registry.close();
        }
    }

    @Test
    void movingTheAliasSwapsTheServedVersionAndMovingItBackRollsBack() throws Exception {
        long experimentId = registry.experiment("alias");
        // Version 2 ranks worse: serving by alias must follow the alias, not the metric.
        long first = registry.finishedRun(experimentId, Files.readAllBytes(TestModels.trained()), 0.9);
        long second = registry.finishedRun(experimentId, Files.readAllBytes(TestModels.untrained()), 0.1);
        String name = "pets-" + System.nanoTime();
        registry.mlflow("registered-models/create", "{\"name\":\"" + name + "\"}");
        for (long run : List.of(first, second)) {
            registry.mlflow("model-versions/create", "{\"name\":\"" + name + "\",\"source\":\"runs:/" + run
                    + "/model\",\"run_id\":\"" + run + "\"}");
        }
        moveAlias(name, 1);

        try (ConfigurableApplicationContext app = new SpringApplicationBuilder(InferenceServiceApplication.class).run(
                "--server.port=0", "--inference.experiment-url=" + registry.url(),
                "--inference.model-uri=models:/" + name + "@production", "--inference.poll-interval=500ms",
                "--inference.model-dir=" + Path.of("target", "alias-models").toAbsolutePath())) {
            Http http = new Http(URI.create("http://localhost:" + app.getEnvironment().getProperty("local.server.port")));
            http.awaitReady(Duration.ofSeconds(60));
            JsonNode model = http.get("/api/model").json();
            assertThat(model.get("runId").asString()).isEqualTo(Long.toString(first));
            assertThat(model.get("source").asString()).isEqualTo("registered-model");
            assertThat(model.get("registeredModel").get("name").asString()).isEqualTo(name);
            assertThat(model.get("registeredModel").get("version").asInt()).isEqualTo(1);
            assertThat(model.get("registeredModel").get("alias").asString()).isEqualTo("production");

            byte[] image = TestModels.petImage(TestModels.testPets().get(0));
            Reply answer = http.post("/api/segment", "image/jpeg", image);
            assertThat(answer.status()).isEqualTo(200);
            assertThat(answer.header(ModelHeaders.REGISTERED_MODEL)).isEqualTo(name);
            assertThat(answer.header(ModelHeaders.REGISTERED_VERSION)).isEqualTo("1");
            assertThat(answer.header(ModelHeaders.ALIAS)).isEqualTo("production");

            AtomicBoolean running = new AtomicBoolean(true);
            ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
            ExecutorService clients = Executors.newFixedThreadPool(2);
            List<Future<List<String>>> seen = new ArrayList<>();
            for (int c = 0; c < 2; c++) {
                seen.add(clients.submit(() -> {
                    List<String> versions = new ArrayList<>();
                    while (running.get()) {
                        Reply reply = http.post("/api/segment", "image/jpeg", image);
                        if (reply.status() != 200) {
                            failures.add(reply.status() + " " + reply.text());
                        }
                        versions.add(reply.header(ModelHeaders.REGISTERED_VERSION));
                    }
                    return versions;
                }));
            }
            Thread.sleep(500);
            moveAlias(name, 2);
            awaitServed(http, second);
            Thread.sleep(500);
            moveAlias(name, 1);
            awaitServed(http, first);
            Thread.sleep(500);
            running.set(false);
            clients.shutdown();

            for (Future<List<String>> f : seen) {
                List<String> versions = f.get();
                // Each client saw 1, then 2, then 1 again, in that order and never interleaved.
                List<String> changes = new ArrayList<>();
                for (String v : versions) {
                    if (changes.isEmpty() || !changes.get(changes.size() - 1).equals(v)) {
                        changes.add(v);
                    }
                }
                assertThat(changes).containsExactly("1", "2", "1");
            }
            assertThat(failures).isEmpty();
            JsonNode rolledBack = http.get("/api/model").json();
            assertThat(rolledBack.get("registeredModel").get("version").asInt()).isEqualTo(1);
            assertThat(rolledBack.get("version").asLong()).isEqualTo(3);
        }
    }

    private static void moveAlias(String name, int version) {
        registry.mlflow("registered-models/alias", "{\"name\":\"" + name + "\",\"alias\":\"production\",\"version\":\""
                + version + "\"}");
    }

    /** Polls /api/model (no timing asserted beyond a generous deadline) until the run is served. */
    private static void awaitServed(Http http, long runId) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!http.get("/api/model").json().get("runId").asString().equals(Long.toString(runId))) {
            assertThat(System.nanoTime()).as("run " + runId + " is served").isLessThan(deadline);
            Thread.sleep(100);
        }
    }
}
