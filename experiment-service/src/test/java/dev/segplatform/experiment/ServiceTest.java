package dev.segplatform.experiment;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Base of the tests that share one running service on one embedded PostgreSQL (a real server
 * from Maven-shipped binaries), reached over real HTTP.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
public abstract class ServiceTest {

    private static final Path DATA_DIR = createDataDir();

    /** The job protocol's token of the shared service; {@link #api} sends it on {@code /api/jobs/**}. */
    protected static final String INTERNAL_TOKEN = "service-test-internal-token";

    @LocalServerPort
    protected int port;

    @Autowired
    protected JdbcClient jdbc;

    protected Api api;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        registry.add("experiment.data-dir", DATA_DIR::toString);
        registry.add("experiment.max-artifact-size", () -> "1MB");
        registry.add("experiment.internal-token", () -> INTERNAL_TOKEN);
        // The tests expire leases by hand; the background sweeper stays out of their way.
        registry.add("experiment.sweep-interval", () -> "1h");
        // Likewise the study scheduler: study tests advance their studies by hand.
        registry.add("experiment.study-interval", () -> "1h");
        // Low enough that a test can go over it with a few batches.
        registry.add("experiment.limits.metric-points-per-read", () -> "2500");
    }

    @BeforeEach
    void connect() {
        api = new Api("http://localhost:" + port, INTERNAL_TOKEN);
    }

    /** Rows in a table, to prove that a refused request wrote nothing. */
    protected long count(String table) {
        return jdbc.sql("select count(*) from " + table).query(Long.class).single();
    }

    /** Ends every queued job, so a test's claims only see the jobs it created. */
    protected void drainQueue() {
        jdbc.sql("update job set status = 'CANCELLED', ended_at = now() where status = 'QUEUED'").update();
    }

    private static Path createDataDir() {
        try {
            Path target = Files.createDirectories(Path.of("target", "test-data"));
            return Files.createTempDirectory(target, "shared-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
