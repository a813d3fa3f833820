package dev.segplatform.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * bin/platform's own output, function by function (bin/lib/platform-output.sh, which it sources):
 * the log rotation that keeps earlier starts' logs, and the closing summary with and without
 * {@code --exit}. The full start is PlatformDemoTest's.
 */
class LauncherOutputTest {

    private static final Path LIBRARY = Path.of("..", "bin", "lib", "platform-output.sh").toAbsolutePath();

    @TempDir
    Path logs;

    @Test
    void eachStartKeepsTheEarlierStartsLogsUpToTheLimit() throws Exception {
        Path log = logs.resolve("gateway.log");
        for (int start = 1; start <= 7; start++) {
            bash("rotate_log \"$1\" 5", log.toString());
            Files.writeString(log, "start " + start);
        }
        assertThat(Files.readString(log)).isEqualTo("start 7");
        for (int back = 1; back <= 5; back++) {
            assertThat(Files.readString(logs.resolve("gateway.log." + back))).isEqualTo("start " + (7 - back));
        }
        try (var files = Files.list(logs)) {
            assertThat(files.map(file -> file.getFileName().toString()))
                    .containsExactlyInAnyOrder("gateway.log", "gateway.log.1", "gateway.log.2", "gateway.log.3",
                            "gateway.log.4", "gateway.log.5");
        }
    }

    @Test
    void theFirstStartHasNothingToRotate() throws Exception {
        bash("rotate_log \"$1\" 5", logs.resolve("trainer.log").toString());
        try (var files = Files.list(logs)) {
            assertThat(files).isEmpty();
        }
    }

    @Test
    void underExitTheSummarySaysItStopsAndNotThatItRuns() throws Exception {
        String stopping = bash("final_summary false http://localhost:8080 \"the contents of /d/admin-key\" /d true");
        assertThat(stopping).doesNotContain("The platform is running")
                .contains("The demo is done; stopping the platform (--exit).")
                .contains("http://localhost:8080/").contains("/d/logs").contains("/d/demo");

        String running = bash("final_summary true http://localhost:8080 \"the contents of /d/admin-key\" /d true");
        assertThat(running).contains("The platform is running.")
                .contains("Dashboard:  http://localhost:8080/   (sign in with the contents of /d/admin-key)")
                .contains("Swagger UI: http://localhost:8080/swagger-ui.html");
    }

    @Test
    void theDashboardNoticeNamesTheUrlAndTheKeyFileNotTheKey() throws Exception {
        assertThat(bash("dashboard_notice http://localhost:8080 \"the contents of /d/admin-key\""))
                .isEqualTo("\nDashboard: http://localhost:8080/\n  Sign in with the admin key: paste the contents of /d/admin-key.\n");
    }

    /** Runs {@code script} in bash with the launcher's functions loaded; fails on a non-zero exit. */
    private static String bash(String script, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("bash", "-c", "set -euo pipefail; source \"$0\"; " + script,
                LIBRARY.toString()));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(1, TimeUnit.MINUTES)).isTrue();
        assertThat(process.exitValue()).as(output).isZero();
        return output;
    }
}
