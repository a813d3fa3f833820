package dev.segplatform.experiment.config;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.postgresql.PGConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded PostgreSQL of one data folder, run so that it keeps what it acknowledged and does
 * not outlive or get in the way of the service:
 * <ul>
 *   <li>durable: fsync, synchronous commit and full page writes on (zonky's defaults are a test
 *       server's: {@code -F} and {@code synchronous_commit=off} lose acknowledged commits in a crash);</li>
 *   <li>password-protected: SCRAM authentication with a generated password kept beside the data;</li>
 *   <li>started cleanly after a crash of the previous service, whose server may still run;</li>
 *   <li>supervised: restarted on the same folder and port when it dies under the running service;</li>
 *   <li>tied to the JVM: a watchdog stops it when the JVM is gone, however it died.</li>
 * </ul>
 */
final class EmbeddedPostgresServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(EmbeddedPostgresServer.class);

    static final String USER = "postgres";

    /**
     * Durability first. {@code -c} options come after zonky's {@code -F} on the postmaster's command
     * line and the last setting of an option wins, so these undo it. The rest stays PostgreSQL's defaults.
     */
    private static final Map<String, String> DURABLE = Map.of(
            "fsync", "on",
            "synchronous_commit", "on",
            "full_page_writes", "on");

    private static final String PG_HBA = """
            # Written by the experiment service: every connection, local or over loopback, proves the
            # password kept in the service's data folder (postgres.password).
            local   all           all                   scram-sha-256
            host    all           all   127.0.0.1/32    scram-sha-256
            host    all           all   ::1/128         scram-sha-256
            local   replication   all                   scram-sha-256
            host    replication   all   127.0.0.1/32    scram-sha-256
            host    replication   all   ::1/128         scram-sha-256
            """;

    /**
     * Stops the server once its stdin reaches end of file, which happens when the JVM holding the
     * other end exits in any way, {@code kill -9} included. A shell waiting on a pipe is the portable
     * way to learn of a parent's death: {@code pg_ctl} detaches the postmaster into its own session,
     * so it gets no signal when the JVM dies, and Java cannot ask the kernel for a parent-death
     * signal. The pid is read at that moment, so restarts by the supervisor are covered, and checked
     * to be a postgres running in this data directory before it is signalled.
     */
    private static final String WATCHDOG = """
            trap '' INT HUP
            read -r ignored
            dir=$1
            pid=$(head -n 1 "$dir/postmaster.pid" 2>/dev/null) || exit 0
            alive() { [ "$(readlink "/proc/$pid/cwd")" = "$dir" ]; }
            case $(readlink "/proc/$pid/exe") in */postgres*) ;; *) exit 0 ;; esac
            alive || exit 0
            kill -s INT "$pid"
            for i in $(seq 50); do alive || exit 0; sleep 0.2; done
            kill -s QUIT "$pid"
            for i in $(seq 25); do alive || exit 0; sleep 0.2; done
            kill -s KILL "$pid"
            """;

    private final Path dataDir;
    private final String password;
    private final EmbeddedPostgres postgres;
    private final Process watchdog;
    private final OutputStream watchdogLifeline;
    private final ScheduledExecutorService supervisor;
    private volatile long postmasterPid;
    private final Path postgresBinary;
    private volatile boolean closed;
    private long retryAt;
    private Duration backoff = Duration.ZERO;

    private EmbeddedPostgresServer(Path dataDir, String password, EmbeddedPostgres postgres, Duration checkInterval)
            throws IOException {
        this.dataDir = dataDir;
        this.password = password;
        this.postgres = postgres;
        this.postmasterPid = PostgresProcesses.runningPostmaster(dataDir)
                .orElseThrow(() -> new IllegalStateException("no postmaster runs on " + dataDir + " after start"));
        this.postgresBinary = Files.readSymbolicLink(Path.of("/proc", Long.toString(postmasterPid), "exe"));
        this.watchdog = new ProcessBuilder("/bin/sh", "-c", WATCHDOG, "embedded-postgres-watchdog", dataDir.toString())
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        this.watchdogLifeline = watchdog.getOutputStream();
        this.supervisor = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "embedded-postgres-supervisor");
            thread.setDaemon(true);
            return thread;
        });
        supervisor.scheduleWithFixedDelay(this::superviseOnce, checkInterval.toMillis(), checkInterval.toMillis(),
                TimeUnit.MILLISECONDS);
    }

    /**
     * Starts (creating on first use) the cluster in {@code dataDir}, protected by the password in
     * {@code passwordFile}; {@code port} 0 picks a free one, kept for every later restart.
     */
    static EmbeddedPostgresServer start(Path dataDir, Path passwordFile, int port, Duration checkInterval) {
        try {
            Files.createDirectories(dataDir);
            Path dir = dataDir.toRealPath();
            String password = readOrCreatePassword(passwordFile);
            PostgresProcesses.stopOrphans(dir);
            EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
                    .setDataDirectory(dir)
                    // Keep the data: a restart must find every run again.
                    .setCleanDataDirectory(false)
                    // Stopped by the Spring context, after the data source that uses it.
                    .setRegisterShutdownHook(false)
                    .setPort(port)
                    // Crash recovery replays the WAL before the server accepts connections.
                    .setPGStartupWait(Duration.ofSeconds(60))
                    // zonky appends its "locale" settings as --name=value to initdb's arguments, after its
                    // own "-A trust": the later option wins, so a new cluster starts with SCRAM and the password.
                    .setLocaleConfig("auth", "scram-sha-256")
                    .setLocaleConfig("pwfile", passwordFile.toRealPath().toString())
                    .setConnectConfig("password", password);
            DURABLE.forEach(builder::setServerConfig);
            EmbeddedPostgres postgres = builder.start();
            try {
                requirePassword(dir, postgres, password);
                requireDurable(postgres);
                EmbeddedPostgresServer server = new EmbeddedPostgresServer(dir, password, postgres, checkInterval);
                log.info("Embedded PostgreSQL {} (pid {}) on port {} with data in {}", serverVersion(postgres),
                        server.postmasterPid, postgres.getPort(), dir);
                return server;
            } catch (RuntimeException | IOException | SQLException e) {
                postgres.close();
                throw e;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot start embedded PostgreSQL in " + dataDir, e);
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot prepare embedded PostgreSQL in " + dataDir, e);
        }
    }

    int port() {
        return postgres.getPort();
    }

    String password() {
        return password;
    }

    String jdbcUrl() {
        return postgres.getJdbcUrl(USER, "postgres");
    }

    /**
     * One look at the postmaster. Only a dead one is restarted: a slow or stopped one still holds the
     * data directory, and the requests that time out on it are answered 503 meanwhile.
     */
    private void superviseOnce() {
        if (closed || PostgresProcesses.isAlive(postmasterPid) || System.nanoTime() < retryAt) {
            return;
        }
        log.warn("Embedded PostgreSQL (pid {}) on {} is gone; starting it again on port {}", postmasterPid, dataDir,
                port());
        try {
            PostgresProcesses.clearAfterCrash(dataDir, postmasterPid, Duration.ofSeconds(10));
            if (closed) {
                return;
            }
            restart();
            postmasterPid = PostgresProcesses.runningPostmaster(dataDir)
                    .orElseThrow(() -> new IllegalStateException("no postmaster after restart"));
            log.warn("Embedded PostgreSQL restarted as pid {} on port {} (its output: {})", postmasterPid, port(),
                    dataDir.resolve("restart.log"));
            backoff = Duration.ZERO;
        } catch (RuntimeException e) {
            // A dead database heals by itself, not by a manual restart: try again, less often the longer it fails.
            backoff = backoff.isZero() ? Duration.ofSeconds(1) : min(backoff.multipliedBy(2), Duration.ofSeconds(30));
            retryAt = System.nanoTime() + backoff.toNanos();
            log.error("Restarting embedded PostgreSQL on {} failed; next try in {}", dataDir, backoff, e);
        }
    }

    /**
     * {@code pg_ctl restart} starts the server again with the very options of its last start (kept
     * in {@code postmaster.opts}: port, durability settings), and accepts a pid file whose process is
     * gone. Going through pg_ctl rather than a new zonky instance keeps this instance's lock on the
     * folder, so no other service can take it over meanwhile. The server's own output goes to
     * {@code restart.log} in the data directory: a pipe to this JVM would outlive pg_ctl.
     */
    private void restart() {
        List<String> command = new ArrayList<>();
        if (runsAsRoot()) {
            // As zonky does: PostgreSQL refuses to run as root, in a user namespace it is not.
            command.addAll(List.of("unshare", "-U"));
        }
        command.addAll(List.of(postgresBinary.resolveSibling("pg_ctl").toString(), "restart",
                "-D", dataDir.toString(), "-l", dataDir.resolve("restart.log").toString(),
                "-w", "-t", "60", "-m", "fast"));
        try {
            Process pgCtl = new ProcessBuilder(command).redirectErrorStream(true).start();
            pgCtl.getOutputStream().close();
            String output = new String(pgCtl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (pgCtl.waitFor() != 0) {
                throw new IllegalStateException("pg_ctl restart failed: " + output.strip());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while restarting PostgreSQL", e);
        }
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    private static boolean runsAsRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    /** Stops the supervisor first, so that it cannot restart what is being stopped, then the server. */
    @Override
    public void close() {
        closed = true;
        supervisor.shutdownNow();
        try {
            supervisor.awaitTermination(90, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            postgres.close();
        } catch (IOException e) {
            log.error("Stopping embedded PostgreSQL on {} failed", dataDir, e);
        }
        // End of file: the watchdog makes sure the server is down and exits.
        try {
            watchdogLifeline.close();
            watchdog.waitFor(20, TimeUnit.SECONDS);
        } catch (IOException e) {
            watchdog.destroy();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * A cluster created before the password existed (initdb with trust) is switched over on its
     * first start here: the role gets the password (hashed by the driver, never sent in clear),
     * pg_hba.conf is rewritten and the server reloads it. A cluster that already asks for a
     * password is left alone.
     */
    private static void requirePassword(Path dataDir, EmbeddedPostgres postgres, String password)
            throws IOException, SQLException {
        Path hba = dataDir.resolve("pg_hba.conf");
        boolean trusts = Files.readAllLines(hba).stream()
                .map(line -> line.replaceFirst("#.*", "").trim())
                .filter(line -> !line.isEmpty())
                .anyMatch(line -> List.of(line.split("\\s+")).contains("trust"));
        if (!trusts) {
            return;
        }
        log.warn("Embedded PostgreSQL in {} accepted local users without a password; setting one", dataDir);
        try (Connection connection = postgres.getPostgresDatabase().getConnection()) {
            connection.unwrap(PGConnection.class).alterUserPassword(USER, password.toCharArray(), "scram-sha-256");
            Path next = hba.resolveSibling("pg_hba.conf.new");
            Files.writeString(next, PG_HBA);
            Files.setPosixFilePermissions(next, PosixFilePermissions.fromString("rw-------"));
            Files.move(next, hba, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            try (Statement statement = connection.createStatement()) {
                statement.execute("select pg_reload_conf()");
            }
        }
    }

    /** Fails the start rather than run without the durability the service promises. */
    private static void requireDurable(EmbeddedPostgres postgres) throws SQLException {
        try (Connection connection = postgres.getPostgresDatabase().getConnection();
             Statement statement = connection.createStatement()) {
            for (Map.Entry<String, String> setting : DURABLE.entrySet()) {
                try (ResultSet rs = statement.executeQuery("show " + setting.getKey())) {
                    rs.next();
                    if (!setting.getValue().equals(rs.getString(1))) {
                        throw new IllegalStateException("embedded PostgreSQL runs with " + setting.getKey() + "="
                                + rs.getString(1) + ", expected " + setting.getValue());
                    }
                }
            }
        }
    }

    private static String serverVersion(EmbeddedPostgres postgres) throws SQLException {
        try (Connection connection = postgres.getPostgresDatabase().getConnection()) {
            return connection.getMetaData().getDatabaseProductVersion();
        }
    }

    /** The first line of the file; a new random one (owner read/write only) if there is none yet. */
    static String readOrCreatePassword(Path passwordFile) throws IOException {
        if (Files.exists(passwordFile)) {
            Files.setPosixFilePermissions(passwordFile, PosixFilePermissions.fromString("rw-------"));
            String password = Files.readAllLines(passwordFile).stream().findFirst().orElse("").strip();
            if (password.isEmpty()) {
                throw new IllegalStateException(passwordFile + " is empty; it must hold the embedded database's password");
            }
            return password;
        }
        byte[] random = new byte[24];
        new SecureRandom().nextBytes(random);
        String password = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
        Files.createDirectories(passwordFile.toAbsolutePath().getParent());
        Path next = passwordFile.resolveSibling(passwordFile.getFileName() + ".new");
        Files.deleteIfExists(next);
        Files.createFile(next, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(next, password + "\n");
        Files.move(next, passwordFile, StandardCopyOption.ATOMIC_MOVE);
        return password;
    }
}
