package dev.segplatform.trainer.training;

import dev.segplatform.core.bundle.ModelBundle;
import dev.segplatform.core.data.PetData;
import dev.segplatform.core.data.SegmentationDataset;
import dev.segplatform.core.data.SegmentationIterator;
import dev.segplatform.core.model.Architecture;
import dev.segplatform.core.model.ModelSpec;
import dev.segplatform.core.model.Networks;
import dev.segplatform.core.model.Optimizer;
import dev.segplatform.core.predict.ClassMask;
import dev.segplatform.core.predict.MaskEncoder;
import dev.segplatform.core.predict.MaskPostprocessor;
import dev.segplatform.core.train.Evaluation;
import dev.segplatform.core.train.SegmentationTrainer;
import dev.segplatform.experiment.api.ArtifactPaths;
import dev.segplatform.experiment.api.ArtifactInfo;
import dev.segplatform.experiment.api.JobClaim;
import dev.segplatform.experiment.api.MetricPoint;
import dev.segplatform.experiment.api.Progress;
import dev.segplatform.experiment.api.RunSpec;
import dev.segplatform.experiment.client.ExperimentClient;
import dev.segplatform.trainer.TrainerProperties;
import dev.segplatform.trainer.dataset.DatasetResolver;
import dev.segplatform.trainer.job.JobTraining;
import dev.segplatform.trainer.job.Lease;
import dev.segplatform.trainer.job.StopReason;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.parallelism.ParallelWrapper;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Trains a claimed run as its spec says, epoch by epoch, with a checkpoint after each epoch and the
 * epoch's metrics logged in one batch (step = epoch). A run claimed again after a crash or a
 * shutdown resumes from its last checkpoint at the exact batch it stopped at, so its metric
 * history continues without gaps or repeats. With {@code devices > 1} the same graph trains
 * data-parallel through DL4J's {@link ParallelWrapper}.
 */
@Component
class SpecTraining implements JobTraining {

    private static final Logger log = LoggerFactory.getLogger(SpecTraining.class);
    /** Training-set accuracy and IoU are measured on this many images, not the whole set. */
    private static final int TRAIN_EVAL_IMAGES = 256;

    private final ExperimentClient client;
    private final DatasetResolver datasets;
    private final TrainerProperties properties;

    SpecTraining(ExperimentClient client, DatasetResolver datasets, TrainerProperties properties) {
        this.client = client;
        this.datasets = datasets;
        this.properties = properties;
    }

    @Override
    public StopReason train(Lease lease) throws Exception {
        JobClaim claim = lease.claim();
        RunSpec spec = claim.spec();
        Path dir = Files.createDirectories(properties.workDir().resolve("runs")
                .resolve(claim.runId() + "-attempt-" + claim.attempt()));
        try {
            return train(lease, spec, dir);
        } finally {
            deleteRecursively(dir);
        }
    }

    private StopReason train(Lease lease, RunSpec spec, Path dir) throws Exception {
        JobClaim claim = lease.claim();
        PetData data = datasets.load(spec.dataset(), spec.imageSize(), spec.seed());
        ModelSpec model = modelSpec(spec);
        Checkpoints.Loaded start = resume(lease, dir).orElseGet(() -> new Checkpoints.Loaded(Networks.build(model),
                TrainState.fresh()));
        ComputationGraph graph = start.graph();
        TrainState state = start.state();
        if (state.epochsDone() > 0) {
            logMissedEpoch(lease, state);
        }
        Map<String, String> params = new LinkedHashMap<>();
        params.put("parameters", Long.toString(graph.numParams()));
        params.put("train_images", Integer.toString(data.train().size()));
        params.put("val_images", Integer.toString(data.validation().size()));
        params.put("skipped_images", Integer.toString(data.report().skipped()));
        lease.write("log params", () -> client.logParams(claim.runId(), claim.leaseToken(), params));

        SegmentationIterator batches = SegmentationIterator.builder(data.train()).batchSize(spec.batchSize())
                .seed(spec.seed()).flip(spec.augment()).labelDownsample(Networks.labelDownsample(model)).build();
        int stepsPerEpoch = batches.batchesPerEpoch();
        ParallelWrapper parallel = spec.devices() > 1 ? new ParallelWrapper.Builder<>(graph)
                .workers(spec.devices())
                .prefetchBuffer(2)
                // Synchronous averaging after every step (weights and Adam state), the Horovod-style
                // contract; the threshold-encoded SHARED_GRADIENTS mode did not converge on these nets.
                .trainingMode(ParallelWrapper.TrainingMode.AVERAGING)
                .averagingFrequency(1)
                .averageUpdaters(true)
                .build() : null;
        try {
            for (int epoch = state.epochsDone() + 1; epoch <= spec.epochs(); epoch++) {
                batches.setEpoch(epoch - 1);
                int skipped = epoch == state.epochsDone() + 1 ? state.batchesDone() : 0;
                for (int i = 0; i < skipped && batches.hasNext(); i++) {
                    batches.next(); // already trained before the last attempt stopped
                }
                EpochClock clock = new EpochClock(lease, spec, epoch, stepsPerEpoch, skipped);
                StoppableBatches epochBatches = new StoppableBatches(batches, () -> lease.stopReason() != null,
                        clock::batchDone);
                double trainLoss = fit(graph, parallel, epochBatches);
                StopReason stop = lease.stopReason();
                if (stop != null) {
                    TrainState partial = new TrainState(epoch - 1, skipped + epochBatches.served(), state.bestValLoss(),
                            state.epochsWithoutImprovement(), state.lastEpochMetrics());
                    return stopped(lease, stop, graph, partial, dir);
                }
                double seconds = clock.seconds();
                Map<String, Double> metrics = epochMetrics(graph, model, spec, data, trainLoss, seconds,
                        clock.images());
                boolean improved = metrics.get("val_loss") < state.bestValLoss();
                state = new TrainState(epoch, 0, improved ? metrics.get("val_loss") : state.bestValLoss(),
                        improved ? 0 : state.epochsWithoutImprovement() + 1, metrics);
                // Checkpoint first: if the worker dies before the metrics land, the next attempt logs them.
                uploadCheckpoint(lease, graph, state, dir);
                logMetrics(lease, epoch, metrics);
                log.info("Run {} epoch {}/{}: loss {} val_loss {} val_mean_iou {}", claim.runId(), epoch,
                        spec.epochs(), metrics.get("loss"), metrics.get("val_loss"), metrics.get("val_mean_iou"));
                if (Double.isNaN(metrics.get("loss")) || Double.isInfinite(metrics.get("loss"))) {
                    throw new IllegalStateException("training diverged: the loss is " + metrics.get("loss")
                            + " after epoch " + epoch + "; try a lower learning rate");
                }
                if (spec.earlyStoppingPatience() != null
                        && state.epochsWithoutImprovement() >= spec.earlyStoppingPatience()) {
                    log.info("Run {} stops early: val_loss has not improved for {} epochs", claim.runId(),
                            state.epochsWithoutImprovement());
                    String stoppedAt = Integer.toString(epoch);
                    lease.write("log params", () -> client.logParams(claim.runId(), claim.leaseToken(),
                            Map.of("stopped_early_at_epoch", stoppedAt)));
                    break;
                }
            }
        } finally {
            if (parallel != null) {
                parallel.shutdown();
            }
        }
        uploadModel(lease, graph, model, data, state.lastEpochMetrics(), dir);
        return null;
    }

    /** The model bundle that inference serves, and a few predicted masks to look at. */
    private void uploadModel(Lease lease, ComputationGraph graph, ModelSpec model, PetData data,
                             Map<String, Double> metrics, Path dir) throws IOException {
        JobClaim claim = lease.claim();
        SegmentationDataset validation = data.validation();
        Path bundle = dir.resolve("bundle.zip");
        ModelBundle.of(graph, model, validation.classNames(), metrics, Long.toString(claim.runId())).save(bundle);
        lease.write("upload bundle", () -> client.uploadArtifact(claim.runId(), ArtifactPaths.MODEL_BUNDLE,
                claim.leaseToken(), bundle, "application/zip"));
        MaskEncoder encoder = new MaskEncoder();
        int samples = Math.min(properties.sampleMasks(), validation.size());
        for (int i = 0; i < samples; i++) {
            int[] index = {i};
            var probabilities = Networks.fullResolution(model, graph.output(false, validation.features(index, null)));
            ClassMask mask = MaskPostprocessor.toMask(probabilities, model.inputSize(), model.inputSize());
            Path png = Files.write(dir.resolve("sample-" + i + ".png"), encoder.png(mask));
            String path = "samples/" + validation.name(i) + ".png";
            lease.write("upload sample", () -> client.uploadArtifact(claim.runId(), path, claim.leaseToken(), png,
                    "image/png"));
        }
    }

    /** One epoch of fitting; returns the mean training loss over its batches. */
    private static double fit(ComputationGraph graph, ParallelWrapper parallel, StoppableBatches batches) {
        if (parallel != null) {
            // The wrapper owns the batch loop; its workers' scores are not reported back per batch.
            parallel.fit(batches);
            return Double.NaN;
        }
        double sum = 0;
        int count = 0;
        while (batches.hasNext()) {
            MultiDataSet batch = batches.next();
            graph.fit(batch);
            sum += graph.score();
            count++;
        }
        return count == 0 ? Double.NaN : sum / count;
    }

    private Map<String, Double> epochMetrics(ComputationGraph graph, ModelSpec model, RunSpec spec, PetData data,
                                             double fittedLoss, double seconds, long images) {
        SegmentationTrainer evaluator = new SegmentationTrainer(model, graph);
        Evaluation train = evaluator.evaluate(data.train(), TRAIN_EVAL_IMAGES, spec.batchSize());
        Evaluation validation = evaluator.evaluate(data.validation(), 0, spec.batchSize());
        Map<String, Double> metrics = new LinkedHashMap<>();
        metrics.put("loss", Double.isNaN(fittedLoss) ? train.loss() : fittedLoss);
        metrics.put("accuracy", train.confusion().pixelAccuracy());
        metrics.put("mean_iou", train.confusion().meanIou());
        metrics.put("val_loss", validation.loss());
        metrics.put("val_accuracy", validation.confusion().pixelAccuracy());
        metrics.put("val_mean_iou", validation.confusion().meanIou());
        double[] perClass = validation.confusion().perClassIou();
        List<String> names = data.validation().classNames();
        for (int c = 0; c < perClass.length; c++) {
            metrics.put("val_iou_" + names.get(c), perClass[c]);
        }
        metrics.put("epoch_seconds", seconds);
        metrics.put("images_per_second", seconds > 0 ? images / seconds : 0);
        return metrics;
    }

    private void logMetrics(Lease lease, int epoch, Map<String, Double> metrics) {
        JobClaim claim = lease.claim();
        long now = System.currentTimeMillis();
        List<MetricPoint> points = new ArrayList<>();
        metrics.forEach((key, value) -> points.add(new MetricPoint(key, value, (long) epoch, now)));
        lease.write("log metrics", () -> client.logMetrics(claim.runId(), claim.leaseToken(), points));
    }

    /** The metrics of the checkpoint's epoch, if the previous attempt died before logging them. */
    private void logMissedEpoch(Lease lease, TrainState state) {
        JobClaim claim = lease.claim();
        boolean logged = lease.write("read metrics", () -> client.metricHistory(claim.runId(), "val_loss"))
                .history().stream().anyMatch(point -> point.step() == state.epochsDone());
        if (!logged && !state.lastEpochMetrics().isEmpty()) {
            logMetrics(lease, state.epochsDone(), state.lastEpochMetrics());
        }
    }

    private Optional<Checkpoints.Loaded> resume(Lease lease, Path dir) throws IOException {
        JobClaim claim = lease.claim();
        if (claim.attempt() == 1) {
            return Optional.empty();
        }
        List<ArtifactInfo> checkpoints = lease.write("list checkpoints",
                () -> client.listArtifacts(claim.runId(), Checkpoints.ARTIFACT));
        if (checkpoints.isEmpty()) {
            log.info("Run {} attempt {}: no checkpoint yet, starting over", claim.runId(), claim.attempt());
            return Optional.empty();
        }
        Path file = dir.resolve("resume.zip");
        lease.write("download checkpoint", () -> client.downloadArtifact(claim.runId(), Checkpoints.ARTIFACT, file));
        Checkpoints.Loaded loaded = Checkpoints.read(file);
        log.info("Run {} attempt {}: resuming after epoch {} batch {}", claim.runId(), claim.attempt(),
                loaded.state().epochsDone(), loaded.state().batchesDone());
        return Optional.of(loaded);
    }

    private void uploadCheckpoint(Lease lease, ComputationGraph graph, TrainState state, Path dir) throws IOException {
        JobClaim claim = lease.claim();
        Path file = dir.resolve("checkpoint.zip");
        Checkpoints.write(file, graph, state);
        lease.write("upload checkpoint", () -> client.uploadArtifact(claim.runId(), Checkpoints.ARTIFACT,
                claim.leaseToken(), file, "application/zip"));
    }

    private StopReason stopped(Lease lease, StopReason stop, ComputationGraph graph, TrainState state, Path dir)
            throws IOException {
        if (stop != StopReason.LEASE_LOST) {
            uploadCheckpoint(lease, graph, state, dir);
        }
        log.info("Run {} stopped ({}) after {} epoch(s) and {} batch(es)", lease.claim().runId(), stop,
                state.epochsDone(), state.batchesDone());
        return stop;
    }

    static ModelSpec modelSpec(RunSpec spec) {
        return new ModelSpec(Architecture.valueOf(spec.model().name()), spec.imageSize(), 3,
                spec.width() == null ? 0 : spec.width(), spec.seed(), Optimizer.valueOf(spec.optimizer().name()),
                spec.learningRate(), spec.weightDecay(), spec.icnetLossWeights());
    }

    private static void deleteRecursively(Path dir) {
        try (var paths = Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException e) {
            log.debug("Could not clean {}", dir, e);
        }
    }

    /** Times an epoch and turns batch counts into progress for the heartbeat. */
    private static final class EpochClock {
        private final Lease lease;
        private final RunSpec spec;
        private final int epoch;
        private final int stepsPerEpoch;
        private final long started = System.nanoTime();
        private int done;
        private final int skipped;

        EpochClock(Lease lease, RunSpec spec, int epoch, int stepsPerEpoch, int skipped) {
            this.lease = lease;
            this.spec = spec;
            this.epoch = epoch;
            this.stepsPerEpoch = stepsPerEpoch;
            this.skipped = skipped;
        }

        void batchDone() {
            done++;
            double seconds = seconds();
            double perStep = seconds / done;
            long remaining = (long) (spec.epochs() - epoch) * stepsPerEpoch + (stepsPerEpoch - skipped - done);
            lease.report(new Progress(epoch, spec.epochs(), (long) (epoch - 1) * stepsPerEpoch + skipped + done,
                    (long) stepsPerEpoch, seconds > 0 ? images() / seconds : 0.0, Math.max(0, remaining * perStep)));
        }

        long images() {
            return (long) done * spec.batchSize();
        }

        double seconds() {
            return (System.nanoTime() - started) / 1e9;
        }
    }
}
