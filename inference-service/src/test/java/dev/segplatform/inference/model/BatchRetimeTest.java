package dev.segplatform.inference.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.segplatform.inference.Http;
import dev.segplatform.inference.InferenceServiceApplication;
import dev.segplatform.inference.TestModels;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.JsonNode;

/**
 * A model swapped in while clients keep sending images has its batch sizes timed beside their
 * requests; it says so, keeps that limit while the traffic goes on, and is timed again once a poll
 * interval passes without a request. Asserted on what the service reports, not on timings.
 */
class BatchRetimeTest {

    @Test
    void aModelTimedBesideRequestsIsTimedAgainOnceTheServiceIsQuiet() throws Exception {
        Path dir = Files.createDirectories(Path.of("target", "test-data"));
        Path bundle = dir.resolve("retime-" + System.nanoTime() + ".zip");
        Files.copy(TestModels.trained(), bundle);
        ExecutorService clients = Executors.newFixedThreadPool(2);
        try (ConfigurableApplicationContext app = new SpringApplicationBuilder(InferenceServiceApplication.class).run(
                "--server.port=0", "--inference.bundle-path=" + bundle.toAbsolutePath(),
                "--inference.poll-interval=300ms")) {
            Http http = new Http(URI.create("http://localhost:" + app.getEnvironment().getProperty("local.server.port")));
            http.awaitReady(Duration.ofSeconds(60));
            JsonNode first = http.get("/api/model").json();
            assertThat(first.get("batching").get("quiet").asBoolean()).as("timed at start-up, with no request").isTrue();
            long version = first.get("version").asLong();

            // Two clients, back to back, for as long as the swap and the checks under traffic take.
            AtomicBoolean sending = new AtomicBoolean(true);
            AtomicLong answered = new AtomicLong();
            byte[] pet = TestModels.petImage(TestModels.testPets().get(0));
            List<Future<Long>> failures = new ArrayList<>();
            for (int c = 0; c < 2; c++) {
                failures.add(clients.submit(() -> {
                    long failed = 0;
                    while (sending.get()) {
                        if (http.segment("", pet).status() == 200) {
                            answered.incrementAndGet();
                        } else {
                            failed++;
                        }
                    }
                    return failed;
                }));
            }
            awaitCount(answered, 20);

            // The same model as a new file (a later modification time), so the poller loads it as a new candidate.
            Path next = dir.resolve("retime-next-" + System.nanoTime() + ".zip");
            Files.copy(TestModels.trained(), next);
            Files.setLastModifiedTime(next, FileTime.fromMillis(Files.getLastModifiedTime(bundle).toMillis() + 10_000));
            Files.move(next, bundle, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            JsonNode swapped = awaitModel(http, m -> m.get("version").asLong() > version);
            assertThat(swapped.get("batching").get("quiet").asBoolean()).as("timed beside the clients' requests").isFalse();

            // Ten poll intervals under traffic: no quiet interval, so no second timing.
            long before = answered.get();
            Thread.sleep(3000);
            assertThat(answered.get()).as("the clients kept sending").isGreaterThan(before + 20);
            JsonNode underLoad = http.get("/api/model").json();
            assertThat(underLoad.get("version").asLong()).isEqualTo(swapped.get("version").asLong());
            assertThat(underLoad.get("batching").get("quiet").asBoolean()).isFalse();

            sending.set(false);
            for (Future<Long> f : failures) {
                assertThat(f.get()).as("failed requests during the swap").isZero();
            }
            JsonNode retimed = awaitModel(http, m -> m.get("batching").get("quiet").asBoolean());
            assertThat(retimed.get("version").asLong()).as("the same model, timed again").isEqualTo(
                    swapped.get("version").asLong());
            int limit = retimed.get("batching").get("limit").asInt();
            assertThat(limit).isBetween(1, 8);
            assertThat(http.get("/actuator/prometheus").text())
                    .contains("inference_batch_profiles_total{traffic=\"beside\"} 1.0",
                            "inference_batch_profiles_total{traffic=\"none\"} 2.0",
                            "inference_batch_limit " + limit + ".0");
        } finally {
            clients.shutdownNow();
            Files.deleteIfExists(bundle);
        }
    }

    private static void awaitCount(AtomicLong count, long atLeast) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (count.get() < atLeast) {
            assertThat(System.nanoTime()).as("%d answers within 60 s", atLeast).isLessThan(deadline);
            Thread.sleep(20);
        }
    }

    private static JsonNode awaitModel(Http http, Predicate<JsonNode> condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (true) {
            JsonNode model = http.get("/api/model").json();
            if (condition.test(model)) {
                return model;
            }
            assertThat(System.nanoTime()).as("the model reported within 60 s: %s", model).isLessThan(deadline);
            Thread.sleep(50);
        }
    }
}
