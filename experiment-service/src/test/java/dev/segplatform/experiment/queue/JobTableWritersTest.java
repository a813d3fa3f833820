package dev.segplatform.experiment.queue;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The queue owns the {@code job} and {@code job_attempt} tables: only this package writes them (the
 * lease, fencing and attempt-history rules live in its statements). Other features read them as the
 * run's state, joined in their own queries (docs/architecture.md, "Who reads the job table"). SQL is
 * text, so this reads the sources rather than the bytecode.
 */
class JobTableWritersTest {

    private static final Path MAIN = Path.of("src", "main", "java", "dev", "segplatform", "experiment");
    private static final Pattern WRITE = Pattern.compile(
            "(?i)\\b(update|insert\\s+into|delete\\s+from)\\s+(job|job_attempt)\\b");

    @Test
    void onlyTheQueueWritesJobs() throws IOException {
        List<String> writers = new ArrayList<>();
        try (Stream<Path> files = Files.walk(MAIN)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                if (file.startsWith(MAIN.resolve("queue"))) {
                    continue;
                }
                Matcher m = WRITE.matcher(Files.readString(file));
                while (m.find()) {
                    writers.add(MAIN.relativize(file) + ": " + m.group());
                }
            }
        }
        assertThat(writers).as("statements writing job tables outside the queue package").isEmpty();
    }

    @Test
    void theScanFindsTheQueuesOwnWrites() throws IOException {
        // Guards the scan itself: a pattern that matched nothing anywhere would pass the test above.
        assertThat(WRITE.matcher(Files.readString(MAIN.resolve("queue").resolve("PostgresJobQueue.java"))).find())
                .isTrue();
    }
}
