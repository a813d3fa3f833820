package dev.segplatform.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

/**
 * The README's first command, in its short form: {@code bin/platform demo --quick} starts every
 * service from its jar, trains the three networks, tunes, segments through the gateway, and stops.
 */
class PlatformDemoTest {

    @Test
    void theQuickDemoTrainsThreeModelsAndSegmentsAnImage() throws Exception {
        Path data = Files.createTempDirectory(Files.createDirectories(Path.of("target")), "demo-data-");
        int base = freePortBlock();
        // Without --exit: the platform stays up after the demo, so its doors can be checked while it runs.
        Process demo = new ProcessBuilder("bash", "bin/platform", "demo", "--quick",
                "--data-dir", data.toAbsolutePath().toString(), "--port", Integer.toString(base))
                .directory(Path.of("..").toFile())
                .redirectErrorStream(true)
                .redirectOutput(data.resolve("demo.out").toFile())
                .start();
        String output;
        try {
            output = awaitRunning(demo, data.resolve("demo.out"), Duration.ofMinutes(20));
            closedDoors(demo, data, base);
            new DemoDashboardCheck(base, data).check(2);
            new DemoMlflowCheck(base, data).check(output, 2);
        } finally {
            demo.destroy(); // SIGTERM: bin/platform stops every service, the trainer checkpointing first
            if (!demo.waitFor(3, TimeUnit.MINUTES)) {
                demo.destroyForcibly();
            }
        }

        List<String> table = Files.readAllLines(data.resolve("demo/results.txt"));
        for (String model : List.of("unet", "pspnet", "icnet")) {
            String row = table.stream().filter(line -> line.startsWith(model + " ")).findFirst().orElseThrow();
            String[] cells = row.trim().split("\\s+");
            double accuracy = Double.parseDouble(cells[1]);
            double meanIou = Double.parseDouble(cells[2]);
            assertThat(accuracy).as(row).isBetween(0.0, 1.0).isPositive();
            assertThat(meanIou).as(row).isBetween(0.0, 1.0).isPositive();
            assertThat(Integer.parseInt(cells[4])).as("epochs in " + row).isEqualTo(2);
        }
        assertThat(output).contains("Swagger UI:").contains("Admin key:");
        readableOffATerminal(output, base, data);
        // The best network was promoted on purpose, and the segmentation came from the version it names.
        assertThat(output).containsPattern("Registered (unet|pspnet|icnet) \\(run \\d+, val_mean_iou [0-9.]+\\) "
                + "as version 1 of pets; production -> version 1")
                .contains("  served as pets version 1 (alias production)")
                .containsPattern("  pet IoU against the sample's trimap: [01]\\.\\d{3}");

        BufferedImage mask = ImageIO.read(data.resolve("demo/mask.png").toFile());
        BufferedImage overlay = ImageIO.read(data.resolve("demo/overlay.png").toFile());
        BufferedImage input;
        try (var images = Files.list(data.resolve("demo/sample-pet/images"))) {
            input = ImageIO.read(images.sorted().findFirst().orElseThrow().toFile());
        }
        assertThat(mask.getWidth()).isEqualTo(input.getWidth());
        assertThat(mask.getHeight()).isEqualTo(input.getHeight());
        assertThat(overlay.getWidth()).isEqualTo(input.getWidth());
    }

    /**
     * Issue 16's front door, as a pipe or CI log sees it (the output here is a file, not a terminal):
     * no escape codes and no JSON, one line per epoch per run, the dashboard's address before the
     * training starts and again in the summary, how to sign in without the key itself.
     */
    private static void readableOffATerminal(String output, int base, Path data) throws IOException {
        List<String> lines = output.lines().toList();
        assertThat(output).as("escape codes (colours, bars redrawn in place)").doesNotContain("\u001B").doesNotContain("\r");
        assertThat(lines).as("JSON printed raw").noneMatch(line -> line.strip().startsWith("{") || line.contains("{\""));

        Pattern epochLine = Pattern.compile("  (unet|pspnet|icnet) +epoch (\\d+)/2  loss \\d+\\.\\d{4}  val mean IoU \\d\\.\\d{3}");
        Map<String, List<Integer>> epochs = new HashMap<>();
        int firstEpoch = -1;
        int lastEpoch = -1;
        for (int i = 0; i < lines.size(); i++) {
            Matcher epoch = epochLine.matcher(lines.get(i));
            if (epoch.matches()) {
                epochs.computeIfAbsent(epoch.group(1), model -> new ArrayList<>()).add(Integer.parseInt(epoch.group(2)));
                firstEpoch = firstEpoch < 0 ? i : firstEpoch;
                lastEpoch = i;
            }
        }
        assertThat(epochs).as("one line per epoch per run:%n%s", output)
                .isEqualTo(Map.of("unet", List.of(1, 2), "pspnet", List.of(1, 2), "icnet", List.of(1, 2)));

        String dashboard = "http://localhost:" + base + "/";
        int training = indexOf(lines, line -> line.startsWith("Training "));
        int notice = indexOf(lines, line -> line.equals("Dashboard: " + dashboard));
        assertThat(notice).as("the dashboard's address, before the training:%n%s", output).isNotNegative()
                .isLessThan(training).isLessThan(firstEpoch);
        assertThat(lines.get(notice + 1)).isEqualTo("  Sign in with the admin key: paste the contents of "
                + data.toAbsolutePath().resolve("admin-key") + ".");
        assertThat(lines.subList(lastEpoch, lines.size())).as("the summary names the dashboard again")
                .anyMatch(line -> line.startsWith("  Dashboard:  " + dashboard));
        assertThat(output).as("the admin key itself").doesNotContain(Files.readString(data.resolve("admin-key")).strip());

        assertThat(lines).as("the study in words").anyMatch(line -> line.startsWith("  study finished: 2 of 2 trials"))
                .anyMatch(line -> line.startsWith("Best trial: "));
        int classes = indexOf(lines, line -> line.matches("  class +pixels +share"));
        assertThat(classes).as("the sample's classes as a table:%n%s", output).isPositive();
        assertThat(lines.get(classes + 1)).matches("  \\S+ +\\d+ +\\d+\\.\\d%");
        assertThat(lines.get(classes - 2)).isEqualTo("  mask:    " + data.toAbsolutePath().resolve("demo/mask.png"));
        assertThat(output).contains("(log: " + data.toAbsolutePath().resolve("logs/gateway.log") + ")");
    }

    private static int indexOf(List<String> lines, Predicate<String> test) {
        for (int i = 0; i < lines.size(); i++) {
            if (test.test(lines.get(i))) {
                return i;
            }
        }
        return -1;
    }

    /**
     * Issue 15's closed doors, on the running platform: every socket its processes listen on (the
     * embedded PostgreSQL's included) is bound to loopback; no secret is on any command line, where
     * every local user reads it with ps; the secrets' files are readable by their owner only.
     */
    private static void closedDoors(Process platform, Path data, int base) throws IOException {
        List<ProcessHandle> processes = new ArrayList<>(platform.descendants().toList());
        assertThat(processes).as("the services' JVMs").hasSizeGreaterThanOrEqualTo(4);
        // pg_ctl starts PostgreSQL detached, so it is found by its pid file rather than as a child.
        long postmaster = Long.parseLong(Files.readAllLines(data.resolve("postgres/postmaster.pid")).get(0).strip());
        ProcessHandle postgres = ProcessHandle.of(postmaster).orElseThrow();
        processes.add(postgres);
        processes.addAll(postgres.descendants().toList());

        Map<Long, String> listening = listeningSockets();
        Set<Integer> ports = new HashSet<>();
        for (ProcessHandle process : processes) {
            for (long inode : socketInodes(process.pid())) {
                String address = listening.get(inode);
                if (address != null) {
                    ports.add(Integer.parseInt(address.substring(address.lastIndexOf(':') + 1), 16));
                    assertThat(address).as("listening socket of %s", commandLine(process.pid()))
                            .matches("(0100007F|0000000000000000FFFF00000100007F|00000000000000000000000001000000):.*");
                }
            }
        }
        assertThat(ports).as("gateway, experiment service, trainer, inference")
                .contains(base, base + 1, base + 2, base + 3);

        List<String> files = List.of("admin-key", "internal-token", "postgres.password");
        List<String> secrets = new ArrayList<>();
        for (String file : files) {
            secrets.add(Files.readString(data.resolve(file)).strip());
        }
        for (ProcessHandle process : processes) {
            String command = commandLine(process.pid());
            for (String secret : secrets) {
                assertThat(command).as("command line of pid %d", process.pid()).doesNotContain(secret);
            }
        }
        for (String file : files) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(data.resolve(file))))
                    .as(file).isEqualTo("rw-------");
        }
    }

    /** Listening TCP sockets of this machine by inode, each as its hex local address:port from /proc. */
    private static Map<Long, String> listeningSockets() throws IOException {
        Map<Long, String> sockets = new HashMap<>();
        for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            List<String> lines = Files.readAllLines(Path.of(table));
            for (String line : lines.subList(1, lines.size())) {
                String[] fields = line.trim().split("\\s+");
                if (fields[3].equals("0A")) { // TCP_LISTEN
                    sockets.put(Long.parseLong(fields[9]), fields[1]);
                }
            }
        }
        return sockets;
    }

    private static List<Long> socketInodes(long pid) {
        List<Long> inodes = new ArrayList<>();
        try (var fds = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
            for (Path fd : fds.toList()) {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    if (target.startsWith("socket:[")) {
                        inodes.add(Long.parseLong(target.substring(8, target.length() - 1)));
                    }
                } catch (IOException closedMeanwhile) {
                    // a descriptor closed while we listed them
                }
            }
        } catch (IOException exited) {
            // the process ended meanwhile (a short-lived child)
        }
        return inodes;
    }

    private static String commandLine(long pid) {
        try {
            return Files.readString(Path.of("/proc", Long.toString(pid), "cmdline"), StandardCharsets.UTF_8)
                    .replace('\0', ' ');
        } catch (IOException exited) {
            return "";
        }
    }

    /** Waits for bin/platform to say it is running after the demo; fails with its output if it stops first. */
    private static String awaitRunning(Process platform, Path out, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            String output = Files.readString(out, StandardCharsets.UTF_8);
            if (output.contains("Press Ctrl-C to stop")) {
                return output;
            }
            assertThat(platform.isAlive()).as(output).isTrue();
            Thread.sleep(1000);
        }
        throw new AssertionError("the demo did not finish in " + timeout + ":\n" + Files.readString(out));
    }

    /** A base port with the next three free too (the platform takes four consecutive ports). */
    private static int freePortBlock() throws IOException {
        for (int attempt = 0; attempt < 50; attempt++) {
            int base;
            try (ServerSocket socket = new ServerSocket(0)) {
                base = socket.getLocalPort();
            }
            if (base > 65000) {
                continue;
            }
            boolean free = true;
            for (int i = 1; i < 4 && free; i++) {
                try (ServerSocket ignored = new ServerSocket(base + i)) {
                    free = true;
                } catch (IOException taken) {
                    free = false;
                }
            }
            if (free) {
                return base;
            }
        }
        throw new IOException("no block of four free ports");
    }
}
