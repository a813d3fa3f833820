package dev.segplatform.trainer.training;

import dev.segplatform.core.model.Architecture;
import dev.segplatform.core.model.ClassWeights;
import dev.segplatform.core.model.Encoder;
import dev.segplatform.core.model.Loss;
import dev.segplatform.core.model.ModelSpec;
import dev.segplatform.core.model.Optimizer;
import dev.segplatform.experiment.api.Distributed;
import dev.segplatform.experiment.api.RunSpec;
import dev.segplatform.spark.SparkTrainingOptions;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The run spec of the API to the model spec of the core: the one place the two meet. The limits
 * both check are core's {@code ModelLimits}, so a spec that passed the API's validation makes a
 * {@link ModelSpec} here (RunSpecMappingTest checks every limit). The one thing the API cannot check
 * is that explicit class weights number one per class of the data; the core refuses that here.
 */
final class RunSpecMapping {

    private RunSpecMapping() {
    }

    /**
     * @param spec               the run's spec, as stored (defaults filled in)
     * @param trainPixelsPerClass the training masks' pixels of each class: their count is the
     *                           network's class count (so its output matches the masks), their
     *                           shares give median-frequency class weights
     */
    static ModelSpec modelSpec(RunSpec spec, long[] trainPixelsPerClass) {
        RunSpec s = spec.withDefaults();
        return new ModelSpec(Architecture.valueOf(s.model().name()), s.imageSize(), trainPixelsPerClass.length,
                s.width() == null ? 0 : s.width(), s.seed(), Optimizer.valueOf(s.optimizer().name()),
                s.learningRate(), s.weightDecay(), s.icnetLossWeights(), Loss.valueOf(s.loss().name()),
                classWeights(s.classWeights(), trainPixelsPerClass), Encoder.valueOf(s.encoder().name()),
                s.encoderWeights(), s.freezeEncoder());
    }

    /**
     * How a run with {@code distributed} spreads over Spark, or empty for a run trained on this trainer
     * alone.
     *
     * @param exportDirectory where the run's minibatch files go: a folder every executor can read
     */
    static Optional<SparkTrainingOptions> sparkOptions(RunSpec spec, Path exportDirectory) {
        Distributed distributed = spec.withDefaults().distributed();
        if (distributed == null) {
            return Optional.empty();
        }
        return Optional.of(new SparkTrainingOptions(distributed.workers(), distributed.averagingFrequency(),
                exportDirectory));
    }

    private static List<Double> classWeights(dev.segplatform.experiment.api.ClassWeights weights, long[] pixels) {
        if (weights.values() != null) {
            return weights.values();
        }
        return switch (weights.method()) {
            case dev.segplatform.experiment.api.ClassWeights.MEDIAN_FREQUENCY -> ClassWeights.medianFrequency(pixels);
            default -> null;
        };
    }
}
