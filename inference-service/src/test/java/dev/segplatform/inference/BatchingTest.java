package dev.segplatform.inference;

import static org.assertj.core.api.Assertions.assertThat;

import dev.segplatform.inference.Http.Reply;
import dev.segplatform.inference.batching.DynamicBatcher;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The batching rule through HTTP, asserted on the batcher's counters rather than on timings. The
 * batch delay is an hour and the request timeout 20 s: a request held back waiting for company
 * that never comes would be a 503, not a slow 200.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class BatchingTest {

    private static final String INFER = "/v2/models/segmentation/infer";

    @LocalServerPort
    int port;
    @Autowired
    DynamicBatcher batcher;
    @Autowired
    MeterRegistry meters;
    private Http http;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        registry.add("inference.bundle-path", () -> TestModels.trained().toString());
        registry.add("inference.max-batch-size", () -> "8");
        // The batcher's own maximum, not one the load's timing of the batch sizes may lower.
        registry.add("inference.profile-batch-sizes", () -> "false");
        registry.add("inference.max-batch-delay", () -> "1h");
        // One copy: with two, the queued images would be shared between them (at most half each).
        registry.add("inference.instances", () -> "1");
        registry.add("inference.request-timeout", () -> "20s");
    }

    @BeforeEach
    void connect() throws InterruptedException {
        http = new Http(URI.create("http://localhost:" + port));
        http.awaitReady(Duration.ofSeconds(60));
    }

    @Test
    void aLoneRequestRunsAtOnceEvenAfterRequestsThatFailedOnTheirWay() {
        byte[] image = TestModels.petImage(TestModels.testPets().get(0));
        double waits = waits();
        long[] before = batcher.batchesBySize();

        // Each of these announced itself and failed before queueing: none may leave a batch waiting.
        assertThat(http.post("/api/segment", "image/jpeg", "not an image".getBytes()).status()).isEqualTo(415);
        assertThat(http.post("/api/segment", "image/jpeg", java.util.Arrays.copyOf(image, 40)).status()).isEqualTo(400);
        assertThat(http.postJson(INFER, "{\"inputs\":[{\"name\":\"input\",\"shape\":[1,3,2,2],\"datatype\":\"FP32\","
                + "\"data\":[0]}]}").status()).isEqualTo(400);

        Reply segment = http.post("/api/segment", "image/jpeg", image);
        assertThat(segment.status()).as(segment.text()).isEqualTo(200);
        Reply infer = http.postJson(INFER, "{\"inputs\":[{\"name\":\"input\",\"shape\":[1,3,2,2],\"datatype\":\"FP32\","
                + "\"data\":[0,0.1,0.2,0.3,0.4,0.5,0.6,0.7,0.8,0.9,1,1]}],\"outputs\":[{\"name\":\"mask\"}]}");
        assertThat(infer.status()).as(infer.text()).isEqualTo(200);

        assertThat(waits()).as("batches held back").isEqualTo(waits);
        long[] after = batcher.batchesBySize();
        assertThat(after[1] - before[1]).as("batches of one image").isEqualTo(2);
    }

    @Test
    void requestsArrivingWhileABatchWaitsForAnnouncedCompanyShareOneForwardPass() throws Exception {
        byte[] image = TestModels.petImage(TestModels.testPets().get(1));
        long[] before = batcher.batchesBySize();
        List<CompletableFuture<Reply>> replies = new ArrayList<>();
        // A request the test announces and holds, as one still decoding a large image would. Whether
        // the worker counts a wait depends on whether it woke between the arrivals (the queue's
        // depth counts an image as it is admitted, a moment before it is queued); the batch it
        // runs does not: it waits while any announced request is left, so it holds all three.
        try (DynamicBatcher.Arrival decoding = batcher.announce()) {
            for (int i = 0; i < 3; i++) {
                replies.add(CompletableFuture.supplyAsync(() -> http.post("/api/segment", "image/jpeg", image)));
            }
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (batcher.depth() < 3) {
                assertThat(System.nanoTime()).as("three images queued").isLessThan(deadline);
                Thread.sleep(10);
            }
        }
        List<byte[]> masks = new ArrayList<>();
        for (CompletableFuture<Reply> reply : replies) {
            assertThat(reply.get().status()).as(reply.get().text()).isEqualTo(200);
            masks.add(reply.get().body());
        }
        long[] after = batcher.batchesBySize();
        assertThat(after[3] - before[3]).as("one forward pass of three images").isEqualTo(1);
        assertThat(after[1] - before[1] + after[2] - before[2]).as("no smaller passes").isZero();
        // The same image three times in one batch: three identical masks.
        assertThat(masks.get(1)).isEqualTo(masks.get(0));
        assertThat(masks.get(2)).isEqualTo(masks.get(0));
    }

    private double waits() {
        return meters.get("inference.batch.waits").counter().count();
    }
}
