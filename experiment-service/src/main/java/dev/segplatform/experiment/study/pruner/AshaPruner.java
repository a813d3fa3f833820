package dev.segplatform.experiment.study.pruner;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Asynchronous successive halving (Li et al., "A System for Massively Parallel Hyperparameter
 * Tuning", 2020). Rungs sit at steps {@code minResource * reductionFactor^k}. When a trial reaches a
 * rung it goes on only if its value there is among the best {@code max(1, floor(n / reductionFactor))}
 * of the n trials (running, finished or pruned) that have reached that rung so far; otherwise it is
 * stopped. The first trials at a rung therefore go on only while they are the best there, which is
 * how the asynchronous variant avoids waiting for a full rung.
 *
 * @param minResource     the first rung's step (epochs a trial always gets)
 * @param reductionFactor eta: each rung keeps about 1/eta of the trials that reach it
 */
public record AshaPruner(long minResource, int reductionFactor) implements Pruner {

    public AshaPruner {
        if (minResource < 1 || reductionFactor < 2) {
            throw new IllegalArgumentException("minResource must be >= 1 and reductionFactor >= 2");
        }
    }

    @Override
    public Optional<String> judge(TrialCurve trial, long checkedStep, List<TrialCurve> study, boolean maximize) {
        long last = trial.lastStep();
        long rung = minResource;
        while (rung <= last) {
            if (rung > checkedStep) {
                Optional<String> stop = judgeAt(rung, trial, study, maximize);
                if (stop.isPresent()) {
                    return stop;
                }
            }
            if (rung > Long.MAX_VALUE / reductionFactor) {
                break;
            }
            rung *= reductionFactor;
        }
        return Optional.empty();
    }

    private Optional<String> judgeAt(long rung, TrialCurve trial, List<TrialCurve> study, boolean maximize) {
        double value = trial.valueAt(rung);
        List<Double> reached = new ArrayList<>();
        for (TrialCurve other : study) {
            if (other.trial() != trial.trial() && other.lastStep() >= rung && other.valueAt(rung) != null) {
                reached.add(other.valueAt(rung));
            }
        }
        reached.add(value);
        int keep = Math.max(1, reached.size() / reductionFactor);
        // Best first; NaN last whatever the direction.
        Comparator<Double> best = (a, b) -> Pruner.worse(a, b, maximize) ? 1 : Pruner.worse(b, a, maximize) ? -1 : 0;
        reached.sort(best);
        double threshold = reached.get(keep - 1);
        if (Pruner.worse(value, threshold, maximize)) {
            return Optional.of("%s at rung step %d is not in the best %d of %d trial(s) there (cut-off %s)"
                    .formatted(value, rung, keep, reached.size(), threshold));
        }
        return Optional.empty();
    }
}
