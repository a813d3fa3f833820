package dev.segplatform.experiment.study.pruner;

import java.util.List;
import java.util.Optional;

/**
 * Decides whether a running trial should stop, from the metric histories of the study's trials.
 * Pure: the same curves give the same decision. A trial is judged once per new step: {@code
 * checkedStep} is the last step it was judged at (-1 for never), and only steps after it count.
 */
public interface Pruner {

    /**
     * @param trial       the running trial
     * @param checkedStep the last step this trial was judged at, or -1
     * @param study       every trial of the study, this one included
     * @param maximize    whether larger objective values are better
     * @return why the trial should stop, or empty to let it go on
     */
    Optional<String> judge(TrialCurve trial, long checkedStep, List<TrialCurve> study, boolean maximize);

    /** Whether {@code value} is worse than {@code reference}; NaN is worse than anything else. */
    static boolean worse(double value, double reference, boolean maximize) {
        if (Double.isNaN(value)) {
            return !Double.isNaN(reference);
        }
        if (Double.isNaN(reference)) {
            return false;
        }
        return maximize ? value < reference : value > reference;
    }

    /** Never prunes. */
    Pruner NONE = (trial, checkedStep, study, maximize) -> Optional.empty();
}
