package dev.segplatform.trainer.training;

import dev.segplatform.core.model.Architecture;
import dev.segplatform.core.model.ModelSpec;
import dev.segplatform.core.model.Optimizer;
import dev.segplatform.experiment.api.RunSpec;

/**
 * The run spec of the API to the model spec of the core: the one place the two meet. The limits
 * both check are core's {@code ModelLimits}, so a spec that passed the API's validation makes a
 * {@link ModelSpec} here (RunSpecMappingTest checks every limit).
 */
final class RunSpecMapping {

    private RunSpecMapping() {
    }

    /**
     * @param spec       the run's spec, as stored (defaults filled in)
     * @param numClasses what the run's data set labels, so the network's output matches its masks
     */
    static ModelSpec modelSpec(RunSpec spec, int numClasses) {
        RunSpec s = spec.withDefaults();
        return new ModelSpec(Architecture.valueOf(s.model().name()), s.imageSize(), numClasses,
                s.width() == null ? 0 : s.width(), s.seed(), Optimizer.valueOf(s.optimizer().name()),
                s.learningRate(), s.weightDecay(), s.icnetLossWeights());
    }
}
