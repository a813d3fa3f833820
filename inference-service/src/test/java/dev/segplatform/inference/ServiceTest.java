package dev.segplatform.inference;

import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The service in-process on a random port, serving the trained test bundle from a file (no
 * experiment service). Subclasses share one context: same settings, same cache key.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
public abstract class ServiceTest {

    /** Small, so a 413 needs only a small upload. */
    public static final int MAX_UPLOAD = 1024 * 1024;

    @LocalServerPort
    int port;
    protected Http http;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        registry.add("inference.bundle-path", () -> TestModels.trained().toString());
        registry.add("inference.max-upload-size", () -> MAX_UPLOAD + "B");
        registry.add("inference.poll-interval", () -> "1s");
    }

    @BeforeEach
    void connect() throws InterruptedException {
        http = new Http(URI.create("http://localhost:" + port));
        http.awaitReady(Duration.ofSeconds(60));
    }
}
