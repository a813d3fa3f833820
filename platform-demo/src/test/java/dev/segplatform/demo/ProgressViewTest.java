package dev.segplatform.demo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.segplatform.demo.ProgressView.Epoch;
import dev.segplatform.demo.ProgressView.RunState;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class ProgressViewTest {

    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);

    private static final Epoch UNET_1 = new Epoch(1, 0.6931, 0.312);
    private static final Epoch UNET_2 = new Epoch(2, 0.5012, 0.405);
    private static final Epoch ICNET_1 = new Epoch(1, 0.8, 0.2);

    private String printed() {
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void offATerminalEveryEpochIsOneLineOnceAndNothingElse() {
        ProgressView view = ProgressView.of("auto", false, out);
        view.show(List.of(run("unet", "running", 0.2), run("icnet", "queued", 0)));
        view.show(List.of(run("unet", "running", 0.5, UNET_1), run("icnet", "running", 0.1)));
        view.show(List.of(run("unet", "running", 0.6, UNET_1), run("icnet", "running", 0.3)));
        // A poll can miss an epoch: both of icnet's appear at once, and unet's second one
        view.show(List.of(run("unet", "succeeded", 1, UNET_1, UNET_2),
                run("icnet", "succeeded", 1, ICNET_1, new Epoch(2, 0.7, 0.25))));
        view.show(List.of(run("unet", "succeeded", 1, UNET_1, UNET_2),
                run("icnet", "succeeded", 1, ICNET_1, new Epoch(2, 0.7, 0.25))));

        assertThat(printed().lines().toList()).containsExactly(
                "  unet   epoch 1/2  loss 0.6931  val mean IoU 0.312",
                "  unet   epoch 2/2  loss 0.5012  val mean IoU 0.405",
                "  icnet  epoch 1/2  loss 0.8000  val mean IoU 0.200",
                "  icnet  epoch 2/2  loss 0.7000  val mean IoU 0.250");
        assertThat(printed()).doesNotContain("\u001B").doesNotContain("\r");
    }

    @Test
    void onATerminalEachRunHasOneBarRedrawnInPlace() {
        ProgressView view = ProgressView.of("auto", true, out);
        view.show(List.of(run("unet", "running", 0.25), run("icnet", "queued", 0)));
        String first = printed();
        assertThat(first).isEqualTo("\r\u001B[2K  unet   running   [#####---------------]  25%  epoch 0/2  ETA 0:42\n"
                + "\r\u001B[2K  icnet  queued    [--------------------]   0%  epoch 0/2\n");

        view.show(List.of(run("unet", "running", 0.25), run("icnet", "queued", 0)));
        assertThat(printed()).as("an unchanged poll draws nothing").isEqualTo(first);

        view.show(List.of(run("unet", "running", 0.5, UNET_1), run("icnet", "failed", 0.1)));
        assertThat(printed().substring(first.length())).isEqualTo("\u001B[2A"
                + "\r\u001B[2K  unet   running   [##########----------]  50%  epoch 1/2  loss 0.6931  val mean IoU 0.312  ETA 0:42\n"
                + "\r\u001B[2K  icnet  failed    [##------------------]  10%  epoch 0/2  (failed)\n");
    }

    @Test
    void theModeCanBeForcedEitherWay() {
        ProgressView.of("lines", true, out).show(List.of(run("unet", "running", 0.5, UNET_1)));
        ProgressView.of("bars", false, out).show(List.of(run("unet", "running", 0.5, UNET_1)));
        List<String> lines = List.of(printed().split("\n"));
        assertThat(lines.get(0)).isEqualTo("  unet  epoch 1/2  loss 0.6931  val mean IoU 0.312");
        assertThat(lines.get(1)).startsWith("\r\u001B[2K  unet  running");
    }

    private static RunState run(String model, String status, double fraction, Epoch... finished) {
        return new RunState(model, status, 2, fraction, 42, List.of(finished));
    }
}
