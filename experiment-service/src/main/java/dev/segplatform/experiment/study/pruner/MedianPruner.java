package dev.segplatform.experiment.study.pruner;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;

/**
 * Stops a trial whose value at its newest step k is worse than the median of the completed trials'
 * values at step k (Optuna's MedianPruner, judged on the value at k as the study API documents).
 *
 * @param startupTrials completed trials needed before anything is pruned
 * @param warmupSteps   steps up to and including this one are never judged
 */
public record MedianPruner(int startupTrials, long warmupSteps) implements Pruner {

    @Override
    public Optional<String> judge(TrialCurve trial, long checkedStep, List<TrialCurve> study, boolean maximize) {
        long step = trial.lastStep();
        if (step <= checkedStep || step <= warmupSteps) {
            return Optional.empty();
        }
        List<TrialCurve> completed = study.stream()
                .filter(other -> other.trial() != trial.trial() && other.state() == TrialCurve.State.COMPLETE)
                .toList();
        if (completed.size() < Math.max(1, startupTrials)) {
            return Optional.empty();
        }
        List<Double> atStep = new ArrayList<>();
        for (TrialCurve other : completed) {
            Double value = other.values().get(step);
            if (value != null && !Double.isNaN(value)) {
                atStep.add(value);
            }
        }
        if (atStep.isEmpty()) {
            return Optional.empty();
        }
        Collections.sort(atStep);
        int n = atStep.size();
        double median = n % 2 == 1 ? atStep.get(n / 2) : 0.5 * (atStep.get(n / 2 - 1) + atStep.get(n / 2));
        double value = trial.values().get(step);
        if (Pruner.worse(value, median, maximize)) {
            return Optional.of("%s at step %d is %s the median %s of %d completed trial(s)"
                    .formatted(value, step, maximize ? "below" : "above", median, n));
        }
        return Optional.empty();
    }
}
