package dev.segplatform.demo;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * How the demo shows its runs training. On a terminal, one progress bar per run, redrawn in place;
 * anywhere else (CI, a pipe, a file) one plain line per finished epoch per run, because a log
 * full of carriage returns and escape codes is unreadable and repeats every bar at every poll.
 */
sealed interface ProgressView permits ProgressView.Bars, ProgressView.EpochLines {

    /** One finished epoch as the run logged it (step = 1-based epoch). */
    record Epoch(int number, double loss, double valMeanIou) {
    }

    /**
     * A run as last polled.
     *
     * @param status   the run's status in lower case ({@code queued}, {@code running}, {@code succeeded}, ...)
     * @param fraction of its training steps done, 0 to 1
     * @param finished its finished epochs, in order
     */
    record RunState(String model, String status, int epochs, double fraction, long etaSeconds,
                    List<Epoch> finished) {
    }

    /** Shows the runs' latest states; called after every poll with every run, in the same order. */
    void show(List<RunState> runs);

    /** {@code bars}, {@code lines}, or {@code auto}: bars when {@code terminal}. */
    static ProgressView of(String mode, boolean terminal, PrintStream out) {
        return switch (mode) {
            case "bars" -> new Bars(out);
            case "lines" -> new EpochLines(out);
            case "auto" -> terminal ? new Bars(out) : new EpochLines(out);
            default -> throw new IllegalArgumentException("--progress must be auto, bars or lines");
        };
    }

    /** Whether this JVM writes to a terminal that understands cursor movement. */
    static boolean onTerminal() {
        String term = System.getenv("TERM");
        return System.console() != null && term != null && !term.isBlank() && !term.equals("dumb");
    }

    private static int nameWidth(List<RunState> runs) {
        return runs.stream().mapToInt(run -> run.model().length()).max().orElse(0);
    }

    /** Bars redrawn in place: the cursor goes back up over the previous drawing, each line is erased and rewritten. */
    final class Bars implements ProgressView {

        private static final String ESC = "\u001B[";
        private static final int WIDTH = 20;

        private final PrintStream out;
        private List<String> drawn = List.of();

        Bars(PrintStream out) {
            this.out = out;
        }

        @Override
        public void show(List<RunState> runs) {
            int name = nameWidth(runs);
            List<String> lines = new ArrayList<>();
            for (RunState run : runs) {
                lines.add(bar(run, name));
            }
            if (lines.equals(drawn)) {
                return;
            }
            StringBuilder frame = new StringBuilder();
            if (!drawn.isEmpty()) {
                frame.append(ESC).append(drawn.size()).append('A');
            }
            for (String line : lines) {
                frame.append('\r').append(ESC).append("2K").append(line).append('\n');
            }
            out.print(frame);
            out.flush();
            drawn = lines;
        }

        static String bar(RunState run, int nameWidth) {
            int filled = (int) Math.round(run.fraction() * WIDTH);
            boolean ended = !run.status().equals("queued") && !run.status().equals("running");
            Epoch last = run.finished().isEmpty() ? null : run.finished().get(run.finished().size() - 1);
            String line = String.format(Locale.ROOT, "  %-" + nameWidth + "s  %-9s [%s%s] %3d%%  epoch %d/%d",
                    run.model(), run.status(), "#".repeat(filled), "-".repeat(WIDTH - filled),
                    Math.round(run.fraction() * 100), last == null ? 0 : last.number(), run.epochs());
            if (last != null) {
                line += String.format(Locale.ROOT, "  loss %.4f  val mean IoU %.3f", last.loss(), last.valMeanIou());
            }
            if (run.status().equals("running")) {
                line += String.format(Locale.ROOT, "  ETA %d:%02d", run.etaSeconds() / 60, run.etaSeconds() % 60);
            } else if (ended && !run.status().equals("succeeded")) {
                line += "  (" + run.status() + ")";
            }
            return line;
        }
    }

    /** One line per finished epoch, each printed once, with no control characters. */
    final class EpochLines implements ProgressView {

        private final PrintStream out;
        private final Map<String, Integer> printed = new HashMap<>();

        EpochLines(PrintStream out) {
            this.out = out;
        }

        @Override
        public void show(List<RunState> runs) {
            int name = nameWidth(runs);
            for (RunState run : runs) {
                int done = printed.getOrDefault(run.model(), 0);
                for (Epoch epoch : run.finished()) {
                    if (epoch.number() > done) {
                        out.println(String.format(Locale.ROOT, "  %-" + name + "s  epoch %d/%d  loss %.4f  val mean IoU %.3f",
                                run.model(), epoch.number(), run.epochs(), epoch.loss(), epoch.valMeanIou()));
                        done = epoch.number();
                    }
                }
                printed.put(run.model(), done);
            }
            out.flush();
        }
    }
}
