package dev.segplatform.gateway;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/**
 * Finds Debian's Chromium for the browser test. CI installs it (see {@code .ci/run}), so there a
 * missing browser is a failure; on a developer machine without it the test is reported as skipped,
 * with the reason.
 */
final class Browser {

    private Browser() {
    }

    static Path chromium() {
        Path found = Stream.of("/usr/bin/chromium", "/usr/bin/chromium-browser").map(Path::of)
                .filter(Files::isExecutable).findFirst().orElse(null);
        if (found == null) {
            if ("true".equals(System.getenv("CI"))) {
                throw new AssertionError("Chromium is required in CI: .ci/run installs the Debian package 'chromium'");
            }
            Assumptions.abort("Chromium not installed (apt-get install chromium); the Swagger UI browser test needs it");
        }
        return found;
    }
}
