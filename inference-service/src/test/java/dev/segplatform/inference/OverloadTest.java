package dev.segplatform.inference;

import static org.assertj.core.api.Assertions.assertThat;

import dev.segplatform.inference.Http.Reply;
import dev.segplatform.inference.batching.DynamicBatcher;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * A queue of two images whose batch waits 3 s for a request announced and never arriving (one the
 * test announces itself, as a request still decoding would), with a 1.5 s request timeout: the
 * third concurrent image is refused at once with 429 and Retry-After, and the two queued ones give
 * up with 503 and Retry-After after the timeout, instead of hanging.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class OverloadTest {

    @LocalServerPort
    int port;
    @Autowired
    DynamicBatcher batcher;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        registry.add("inference.bundle-path", () -> TestModels.trained().toString());
        registry.add("inference.max-batch-size", () -> "64");
        // The batcher's own maximum, not one the load's timing of the batch sizes may lower.
        registry.add("inference.profile-batch-sizes", () -> "false");
        registry.add("inference.max-batch-delay", () -> "3s");
        // One copy: with two, the queued images would be shared between them (at most half each).
        registry.add("inference.instances", () -> "1");
        registry.add("inference.queue-capacity", () -> "2");
        registry.add("inference.max-images-per-request", () -> "2");
        registry.add("inference.request-timeout", () -> "1500ms");
        registry.add("inference.retry-after", () -> "2s");
    }

    @Test
    void aFullQueueAnswers429AndASlowImage503BothWithRetryAfter() throws Exception {
        Http http = new Http(URI.create("http://localhost:" + port));
        http.awaitReady(Duration.ofSeconds(60));
        byte[] image = TestModels.petImage(TestModels.testPets().get(0));
        DynamicBatcher.Arrival stillDecoding = batcher.announce();

        CompletableFuture<Reply> first = CompletableFuture.supplyAsync(() -> http.post("/api/segment", "image/jpeg", image));
        CompletableFuture<Reply> second = CompletableFuture.supplyAsync(() -> http.post("/api/segment", "image/jpeg", image));
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (!http.get("/actuator/prometheus").text().contains("inference_queue_depth 2.0")) {
            assertThat(System.nanoTime()).as("two images queued").isLessThan(deadline);
            Thread.sleep(20);
        }

        long start = System.nanoTime();
        Reply refused = http.post("/api/segment", "image/jpeg", image);
        assertThat((System.nanoTime() - start) / 1_000_000).as("ms until the 429").isLessThan(1000);
        assertThat(refused.status()).isEqualTo(429);
        assertThat(refused.header("Retry-After")).isEqualTo("2");
        assertThat(refused.json().get("type").asString()).isEqualTo("urn:segplatform:problem:queue-full");

        for (Reply slow : new Reply[] {first.get(), second.get()}) {
            assertThat(slow.status()).as(slow.text()).isEqualTo(503);
            assertThat(slow.header("Retry-After")).isEqualTo("2");
            assertThat(slow.json().get("type").asString()).isEqualTo("urn:segplatform:problem:timeout");
        }
        stillDecoding.close();
        assertThat(http.get("/livez").status()).isEqualTo(200);
    }
}
