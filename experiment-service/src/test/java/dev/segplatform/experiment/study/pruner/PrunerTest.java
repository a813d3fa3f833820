package dev.segplatform.experiment.study.pruner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.segplatform.experiment.study.pruner.TrialCurve.State;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Pruning decisions on hand-made metric histories. */
class PrunerTest {

    static TrialCurve curve(int trial, State state, double... values) {
        java.util.Map<Long, Double> byStep = new java.util.HashMap<>();
        for (int i = 0; i < values.length; i++) {
            byStep.put((long) i + 1, values[i]);
        }
        return TrialCurve.of(trial, state, byStep);
    }

    // val_mean_iou-like, larger is better: completed trials at 0.3/0.4/0.5 after epoch 1.
    final List<TrialCurve> finished = List.of(
            curve(0, State.COMPLETE, 0.30, 0.40, 0.50),
            curve(1, State.COMPLETE, 0.40, 0.50, 0.60),
            curve(2, State.COMPLETE, 0.50, 0.60, 0.70),
            curve(3, State.FAILED, 0.01));

    @Test
    void medianStopsATrialBelowTheMedianOfCompletedTrialsAtTheSameStep() {
        MedianPruner pruner = new MedianPruner(2, 0);
        TrialCurve bad = curve(4, State.RUNNING, 0.35);
        TrialCurve good = curve(5, State.RUNNING, 0.45);
        List<TrialCurve> study = with(finished, bad, good);
        assertThat(pruner.judge(bad, -1, study, true)).hasValueSatisfying(reason ->
                assertThat(reason).contains("below the median 0.4 of 3 completed"));
        assertThat(pruner.judge(good, -1, study, true)).isEmpty();
        // The same values minimised: now the larger one is the bad one.
        assertThat(pruner.judge(good, -1, study, false)).isPresent();
        assertThat(pruner.judge(bad, -1, study, false)).isEmpty();
    }

    @Test
    void medianComparesAtTheTrialsNewestStepOnlyOnceAndOnlyAfterWarmup() {
        TrialCurve late = curve(4, State.RUNNING, 0.9, 0.45); // fine at 1, below the median 0.5 at 2
        List<TrialCurve> study = with(finished, late);
        assertThat(new MedianPruner(1, 0).judge(late, -1, study, true)).isPresent();
        assertThat(new MedianPruner(1, 0).judge(late, 2, study, true)).as("step 2 already judged").isEmpty();
        assertThat(new MedianPruner(1, 2).judge(late, -1, study, true)).as("within warm-up").isEmpty();
    }

    @Test
    void medianWaitsForEnoughCompletedTrialsAndIgnoresFailedOnes() {
        TrialCurve bad = curve(4, State.RUNNING, 0.05);
        assertThat(new MedianPruner(4, 0).judge(bad, -1, with(finished, bad), true)).isEmpty();
        List<TrialCurve> onlyFailedAndRunning = List.of(curve(3, State.FAILED, 0.9), curve(6, State.RUNNING, 0.9), bad);
        assertThat(new MedianPruner(1, 0).judge(bad, -1, onlyFailedAndRunning, true)).isEmpty();
        // Pruned trials are not completed ones either.
        List<TrialCurve> pruned = List.of(curve(7, State.PRUNED, 0.9), bad);
        assertThat(new MedianPruner(1, 0).judge(bad, -1, pruned, true)).isEmpty();
    }

    @Test
    void medianPrunesANanValueAndSkipsStepsNoCompletedTrialReached() {
        TrialCurve nan = curve(4, State.RUNNING, Double.NaN);
        assertThat(new MedianPruner(1, 0).judge(nan, -1, with(finished, nan), true)).isPresent();
        TrialCurve beyond = curve(5, State.RUNNING, 0.9, 0.9, 0.9, 0.0);
        assertThat(new MedianPruner(1, 0).judge(beyond, -1, with(finished, beyond), true)).isEmpty();
    }

    @Test
    void ashaKeepsTheBestThirdAtEachRung() {
        AshaPruner asha = new AshaPruner(1, 3);
        // Six trials reached rung 1 (step 1): the best 6 / 3 = 2 go on.
        List<TrialCurve> study = List.of(
                curve(0, State.COMPLETE, 0.9, 0.95, 0.97),
                curve(1, State.PRUNED, 0.2),
                curve(2, State.PRUNED, 0.3),
                curve(3, State.RUNNING, 0.4),
                curve(4, State.RUNNING, 0.8),
                curve(5, State.RUNNING, 0.1));
        assertThat(asha.judge(study.get(3), -1, study, true)).hasValueSatisfying(reason ->
                assertThat(reason).contains("rung step 1").contains("best 2 of 6"));
        assertThat(asha.judge(study.get(4), -1, study, true)).isEmpty();
        assertThat(asha.judge(study.get(5), -1, study, true)).isPresent();
        assertThat(asha.judge(study.get(5), 1, study, true)).as("rung 1 already judged").isEmpty();
    }

    @Test
    void ashaJudgesOnlyAtRungsAndLetsTheFirstArrivalsGoOnWhileTheyAreBest() {
        AshaPruner asha = new AshaPruner(2, 2); // rungs at steps 2, 4, 8
        TrialCurve first = curve(0, State.RUNNING, 0.1, 0.5);
        assertThat(asha.judge(first, -1, List.of(first), true)).as("alone at the rung").isEmpty();
        TrialCurve atStepOne = curve(1, State.RUNNING, 0.0);
        assertThat(asha.judge(atStepOne, -1, List.of(first, atStepOne), true)).as("before the first rung").isEmpty();
        TrialCurve worseAtRung = curve(2, State.RUNNING, 0.9, 0.4, 0.4);
        assertThat(asha.judge(worseAtRung, -1, List.of(first, worseAtRung), true)).isPresent();
        TrialCurve better = curve(3, State.RUNNING, 0.0, 0.6, 0.6);
        assertThat(asha.judge(better, -1, List.of(first, better), true)).isEmpty();
        // At rung 4 a trial that was fine at rung 2 can still be stopped.
        TrialCurve leader = curve(4, State.COMPLETE, 0.5, 0.7, 0.8, 0.9);
        TrialCurve laggard = curve(5, State.RUNNING, 0.5, 0.7, 0.7, 0.6);
        assertThat(asha.judge(laggard, 2, List.of(leader, laggard), true)).hasValueSatisfying(reason ->
                assertThat(reason).contains("rung step 4"));
        assertThatThrownBy(() -> new AshaPruner(1, 1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void noneNeverPrunes() {
        TrialCurve nan = curve(4, State.RUNNING, Double.NaN);
        assertThat(Pruner.NONE.judge(nan, -1, with(finished, nan), true)).isEmpty();
        assertThat(Map.of()).isEmpty();
    }

    private static List<TrialCurve> with(List<TrialCurve> study, TrialCurve... more) {
        java.util.ArrayList<TrialCurve> all = new java.util.ArrayList<>(study);
        all.addAll(List.of(more));
        return all;
    }
}
