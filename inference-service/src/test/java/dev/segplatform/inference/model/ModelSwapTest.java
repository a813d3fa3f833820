package dev.segplatform.inference.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.segplatform.experiment.client.ExperimentClient;
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
 * The service against a real experiment service process: it finds the best run's bundle, and when
 * a better run appears while clients keep sending images, it swaps models without a single failed
 * answer, and the answers switch to the new run.
 */
class ModelSwapTest {

    private static Registry registry;

    @BeforeAll
    static void startExperimentService() throws Exception {
        TestModels.trained();
        registry = new Registry("swap");
    }

    @AfterAll
    static void stop() throws InterruptedException {
        if (registry != null) {
            registry.close();
        }
    }

    @Test
    void aBetterRunIsPickedUpAndSwappedInUnderLoadWithoutAFailedRequest() throws Exception {
        long experimentId = registry.experiment("swap");
        long worse = registry.finishedRun(experimentId, Files.readAllBytes(TestModels.untrained()), 0.1);

        try (ConfigurableApplicationContext app = new SpringApplicationBuilder(InferenceServiceApplication.class).run(
                "--server.port=0", "--inference.experiment-url=" + registry.url(),
                "--inference.experiment-id=" + experimentId, "--inference.poll-interval=500ms",
                "--inference.model-dir=" + Path.of("target", "swap-models").toAbsolutePath())) {
            Http http = new Http(URI.create("http://localhost:" + app.getEnvironment().getProperty("local.server.port")));
            http.awaitReady(Duration.ofSeconds(60));
            JsonNode model = http.get("/api/model").json();
            assertThat(model.get("runId").asString()).isEqualTo(Long.toString(worse));
            assertThat(model.get("source").asString()).isEqualTo("best-run");
            assertThat(model.get("experimentId").asLong()).isEqualTo(experimentId);
            assertThat(model.get("rankValue").asDouble()).isEqualTo(0.1);

            byte[] image = TestModels.petImage(TestModels.testPets().get(0));
            AtomicBoolean running = new AtomicBoolean(true);
            ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
            ExecutorService clients = Executors.newFixedThreadPool(3);
            List<Future<List<String>>> seen = new ArrayList<>();
            for (int c = 0; c < 3; c++) {
                seen.add(clients.submit(() -> {
                    List<String> runs = new ArrayList<>();
                    while (running.get()) {
                        Reply reply = http.post("/api/segment", "image/jpeg", image);
                        if (reply.status() != 200) {
                            failures.add(reply.status() + " " + reply.text());
                        }
                        runs.add(reply.header(ModelHeaders.RUN_ID));
                    }
                    return runs;
                }));
            }
            Thread.sleep(1000);
            long better = registry.finishedRun(experimentId, Files.readAllBytes(TestModels.trained()), TestModels.trainedIou());

            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (!http.get("/api/model").json().get("runId").asString().equals(Long.toString(better))) {
                assertThat(System.nanoTime()).as("the better run is served in time").isLessThan(deadline);
                Thread.sleep(100);
            }
            Thread.sleep(1000);
            running.set(false);
            clients.shutdown();

            int total = 0;
            for (Future<List<String>> f : seen) {
                List<String> runs = f.get();
                total += runs.size();
                assertThat(runs).contains(Long.toString(worse), Long.toString(better));
                // Once a client got an answer from the new model, it never sees the old one again.
                int firstBetter = runs.indexOf(Long.toString(better));
                assertThat(runs.subList(firstBetter, runs.size())).containsOnly(Long.toString(better));
            }
            System.out.printf("swap under load: %d requests, %d failures%n", total, failures.size());
            assertThat(failures).isEmpty();
            assertThat(http.get("/api/model").json().get("version").asLong()).isEqualTo(2);
            assertThat(http.get("/actuator/prometheus").text()).contains("inference_model_version 2.0",
                    "inference_model_loads_total{outcome=\"success\"} 2.0");

            // A pinned run stays what it is, better runs or not.
            ExperimentClient client = new ExperimentClient(registry.url());
            PinnedRunSource pinned = new PinnedRunSource(client,
                    new RunBundles(client, Path.of("target", "swap-models").toAbsolutePath()), worse);
            ModelCandidate candidate = pinned.candidates().findFirst().orElseThrow();
            assertThat(candidate.runId()).isEqualTo(worse);
            assertThat(pinned.load(candidate).descriptor().trainingRunId()).isEqualTo("untrained");
        }
    }
}
