package dev.segplatform.trainer.training;

import dev.segplatform.core.bundle.ModelBundle;
import dev.segplatform.core.dataset.PetData;
import dev.segplatform.core.dataset.SegmentationDataset;
import dev.segplatform.core.model.ModelSpec;
import dev.segplatform.core.model.Networks;
import dev.segplatform.core.predict.ClassMask;
import dev.segplatform.core.predict.MaskEncoder;
import dev.segplatform.core.predict.MaskPostprocessor;
import dev.segplatform.core.train.EpochResult;
import dev.segplatform.core.train.IterationProgress;
import dev.segplatform.core.train.SegmentationTrainer;
import dev.segplatform.core.train.TrainingListener;
import dev.segplatform.core.train.TrainingOptions;
import dev.segplatform.core.train.TrainingResult;
import dev.segplatform.experiment.api.ArtifactInfo;
import dev.segplatform.experiment.api.ArtifactPaths;
import dev.segplatform.experiment.api.JobClaim;
import dev.segplatform.experiment.api.KeepModel;
import dev.segplatform.experiment.api.MetricPoint;
import dev.segplatform.experiment.api.Progress;
import dev.segplatform.experiment.api.RunSpec;
import dev.segplatform.experiment.client.ExperimentClient;
import dev.segplatform.spark.SparkSegmentationTrainer;
import dev.segplatform.spark.SparkTrainingOptions;
import dev.segplatform.trainer.TrainerProperties;
import dev.segplatform.trainer.dataset.DatasetResolver;
import dev.segplatform.trainer.job.JobTraining;
import dev.segplatform.trainer.job.Lease;
import dev.segplatform.trainer.job.StopReason;
import dev.segplatform.trainer.weights.EncoderWeightsResolver;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Trains a claimed run as its spec says, through segmentation-core's {@link SegmentationTrainer}
 * (or, for a spec with {@code distributed}, spark-training's {@link SparkSegmentationTrainer}), and
 * wraps the job around it: a checkpoint after each epoch, the epoch's metrics logged in one
 * batch (step = 1-based epoch), progress on every heartbeat, early stopping on {@code val_loss},
 * and the model bundle plus sample masks at the end. The bundle holds the epoch of highest
 * {@code val_mean_iou} unless the spec says {@code keep: last}: that epoch's weights are kept as
 * {@code checkpoints/best.zip} when it happens, so a resumed run still bundles it. A run claimed
 * again after a crash or a shutdown resumes from its last checkpoint at the exact minibatch it
 * stopped at, so its metric history continues without gaps or repeats.
 */
@Component
class SpecTraining implements JobTraining {

    private static final Logger log = LoggerFactory.getLogger(SpecTraining.class);
    /** Training-set accuracy and IoU are measured on this many images, not the whole set. */
    private static final int TRAIN_EVAL_IMAGES = 256;
    /**
     * What "best epoch" means: highest validation mean IoU, the metric the platform ranks runs by
     * ({@code /api/models/best}'s default) and what a segmentation user judges a model by.
     */
    static final String OBJECTIVE = "val_mean_iou";
    /** The best epoch's graph among a run's artifacts, in the checkpoint format (its state names its epoch). */
    static final String BEST_ARTIFACT = "checkpoints/best.zip";

    private final ExperimentClient client;
    private final DatasetResolver datasets;
    private final EncoderWeightsResolver encoderWeights;
    private final TrainerProperties properties;
    private final SparkDriver sparkDriver;

    SpecTraining(ExperimentClient client, DatasetResolver datasets, EncoderWeightsResolver encoderWeights,
                 TrainerProperties properties, SparkDriver sparkDriver) {
        this.client = client;
        this.datasets = datasets;
        this.encoderWeights = encoderWeights;
        this.properties = properties;
        this.sparkDriver = sparkDriver;
    }

    @Override
    public StopReason train(Lease lease) throws Exception {
        JobClaim claim = lease.claim();
        Path dir = Files.createDirectories(properties.workDir().resolve("runs")
                .resolve(claim.runId() + "-claim-" + claim.claim()));
        try {
            return train(lease, claim.spec(), dir);
        } finally {
            deleteRecursively(dir);
        }
    }

    private StopReason train(Lease lease, RunSpec spec, Path dir) throws Exception {
        JobClaim claim = lease.claim();
        PetData data = datasets.load(spec.dataset(), spec.imageSize(), spec.seed());
        // The bundle's spec names the weights file this trainer read (absolute), the run's spec the path given.
        ModelSpec model = encoderWeights.resolve(RunSpecMapping.modelSpec(spec, data.train().classPixelCounts()));
        Checkpoints.Loaded start = resume(lease, dir)
                .orElseGet(() -> new Checkpoints.Loaded(Networks.build(model), TrainState.fresh()));
        ComputationGraph graph = start.graph();
        if (start.state().epochsDone() > 0) {
            logMissedEpoch(lease, start.state());
        }
        Map<String, String> params = new LinkedHashMap<>();
        params.put("parameters", Long.toString(graph.numParams()));
        params.put("train_images", Integer.toString(data.train().size()));
        params.put("val_images", Integer.toString(data.validation().size()));
        params.put("skipped_images", Integer.toString(data.report().skipped()));
        // The weights median-frequency came to, so the run says what it trained with.
        params.put("class_weights_used", model.classWeights() == null ? "none" : model.classWeights().toString());
        lease.write("log params", () -> client.logParams(claim.runId(), claim.leaseToken(), params));

        JobListener listener = new JobListener(lease, spec, graph, data, dir, start.state());
        if (start.state().epochsDone() < spec.epochs()) {
            TrainingOptions options = TrainingOptions.of(spec.epochs(), spec.batchSize())
                    .withFlip(spec.augment())
                    .withTrainEvalLimit(TRAIN_EVAL_IMAGES)
                    .withEvalBatchSize(spec.batchSize())
                    .withStartEpoch(start.state().epochsDone())
                    .withStartBatch(start.state().batchesDone())
                    .withDevices(spec.devices());
            Optional<SparkTrainingOptions> spark = RunSpecMapping.sparkOptions(spec, exportDirectory(dir));
            TrainingResult result = spark.isPresent()
                    ? trainOnSpark(lease, model, graph, spark.get(), data, options, listener)
                    : new SegmentationTrainer(model, graph).train(data.train(), data.validation(), options, listener);
            StopReason stop = lease.stopReason();
            if (result.stopped() && !listener.earlyStopped) {
                return stopped(lease, stop, graph, listener.state.at(result.stoppedEpoch(), result.stoppedBatch()), dir);
            }
        }
        TrainState end = listener.state;
        boolean best = spec.withDefaults().keep() == KeepModel.BEST && end.bestEpoch() > 0
                && end.bestEpoch() != end.epochsDone();
        ComputationGraph kept = best ? bestGraph(lease, end, dir) : graph;
        int keptEpoch = best ? end.bestEpoch() : end.epochsDone();
        Map<String, String> endParams = new LinkedHashMap<>();
        endParams.put("best_epoch", Integer.toString(end.bestEpoch()));
        endParams.put("bundle_epoch", Integer.toString(keptEpoch));
        lease.write("log params", () -> client.logParams(claim.runId(), claim.leaseToken(), endParams));
        uploadModel(lease, kept, model, data, best ? end.bestEpochMetrics() : end.lastEpochMetrics(), keptEpoch, dir);
        return null;
    }

    /**
     * The same epochs through DL4J's Spark parameter averaging, reporting to the same listener: the
     * driver's graph is {@code graph}, averaged in place after every round, so the listener's
     * checkpoints, best epoch and bundle are the averaged model's. Between averaging rounds the
     * listener hears progress and is asked whether to stop, as between minibatches on one machine.
     *
     * <p>On SIGTERM Spark's own shutdown hook stops its context, which aborts the round in flight (or,
     * when Spark drops the round's job instead, the session interrupts the wait for it); the run then
     * stops as on any shutdown, at the last whole round (the graph's state), and is given back.
     */
    private TrainingResult trainOnSpark(Lease lease, ModelSpec model, ComputationGraph graph, SparkTrainingOptions spark,
            PetData data, TrainingOptions options, JobListener listener) throws Exception {
        JobClaim claim = lease.claim();
        try (SparkDriver.Session session = sparkDriver.open(claim.runId(), spark.workers(),
                () -> lease.stopReason() != null)) {
            if (session == null) {
                return new TrainingResult(List.of(), true, options.startEpoch(), options.startBatch());
            }
            log.info("Run {}: {} Spark workers on {}, averaging every {} minibatches", claim.runId(), spark.workers(),
                    session.context().master(), spark.averagingFrequency());
            SparkSegmentationTrainer trainer = new SparkSegmentationTrainer(model, graph, session.context(), spark,
                    options.batchSize());
            if (trainer.graph() != graph) {
                throw new IllegalStateException("DL4J's Spark training keeps its own copy of the graph");
            }
            try {
                return session.interruptedIfStopped(() -> trainer.train(data.train(), data.validation(), options,
                        listener));
            } catch (Exception e) { // Spark throws SparkException, a checked exception, undeclared
                if (lease.stopReason() != StopReason.SHUTDOWN && !jvmShuttingDown()) {
                    throw e;
                }
                log.info("Run {}: Spark stopped by the shutdown ({})", claim.runId(), e.getMessage());
                lease.requestStop(StopReason.SHUTDOWN);
                return new TrainingResult(List.of(), true, listener.atEpoch, listener.atBatch);
            }
        } finally {
            if (properties.spark().exportDir() != null) {
                deleteRecursively(spark.exportDirectory());
            }
        }
    }

    /** Where a distributed run's minibatch files go: under trainer.spark.export-dir, else the run's folder. */
    private Path exportDirectory(Path runDir) {
        Path shared = properties.spark().exportDir();
        return shared == null ? runDir.resolve("minibatches") : shared.resolve(runDir.getFileName());
    }

    /** True once the JVM runs its shutdown hooks (the JDK refuses new hooks from then on). */
    private static boolean jvmShuttingDown() {
        Thread probe = new Thread(() -> { });
        try {
            Runtime.getRuntime().addShutdownHook(probe);
            Runtime.getRuntime().removeShutdownHook(probe);
            return false;
        } catch (IllegalStateException shuttingDown) {
            return true;
        }
    }

    /**
     * The best epoch's graph: this attempt's local copy, or the one a previous attempt uploaded. Its
     * state must name the best epoch, or the run fails rather than bundle another epoch under its name.
     */
    private ComputationGraph bestGraph(Lease lease, TrainState end, Path dir) throws IOException {
        Path file = dir.resolve("best.zip");
        if (!Files.exists(file)) {
            JobClaim claim = lease.claim();
            lease.write("download best epoch", () -> client.downloadArtifact(claim.runId(), BEST_ARTIFACT, file));
        }
        Checkpoints.Loaded loaded = Checkpoints.read(file);
        if (loaded.state().epochsDone() != end.bestEpoch()) {
            throw new IllegalStateException(BEST_ARTIFACT + " holds epoch " + loaded.state().epochsDone()
                    + ", not the best epoch " + end.bestEpoch());
        }
        return loaded.graph();
    }

    /** Reports each step and epoch of the training to the experiment service, and decides when to stop. */
    private final class JobListener implements TrainingListener {
        private final Lease lease;
        private final RunSpec spec;
        private final ComputationGraph graph;
        private final PetData data;
        private final Path dir;
        TrainState state;
        boolean earlyStopped;
        /** Where the graph's weights stand: epochs done and minibatches into the next, as last reported. */
        int atEpoch;
        int atBatch;

        JobListener(Lease lease, RunSpec spec, ComputationGraph graph, PetData data, Path dir, TrainState state) {
            this.lease = lease;
            this.spec = spec;
            this.graph = graph;
            this.data = data;
            this.dir = dir;
            this.state = state;
            this.atEpoch = state.epochsDone();
            this.atBatch = state.batchesDone();
        }

        @Override
        public void onIteration(IterationProgress p) {
            atEpoch = p.epoch();
            atBatch = p.iteration();
            double perStep = p.elapsedSeconds() / Math.max(1, p.iteration() - startBatchOf(p.epoch()));
            long remaining = (long) (spec.epochs() - p.epoch() - 1) * p.iterationsPerEpoch()
                    + (p.iterationsPerEpoch() - p.iteration());
            double images = (double) (p.iteration() - startBatchOf(p.epoch())) * spec.batchSize();
            lease.report(new Progress(p.epoch() + 1, spec.epochs(),
                    (long) p.epoch() * p.iterationsPerEpoch() + p.iteration(), (long) p.iterationsPerEpoch(),
                    p.elapsedSeconds() > 0 ? images / p.elapsedSeconds() : 0.0, Math.max(0, remaining * perStep)));
        }

        private int startBatchOf(int epoch) {
            return epoch == state.epochsDone() ? state.batchesDone() : 0;
        }

        @Override
        public void onEpoch(EpochResult result) {
            int epoch = result.epoch() + 1;
            atEpoch = epoch;
            atBatch = 0;
            Map<String, Double> metrics = metrics(result, data.validation().classNames());
            boolean improved = result.valLoss() < state.bestValLoss();
            double objective = metrics.get(OBJECTIVE);
            // Ties keep the earlier epoch; a NaN is never best, and nothing beats a first epoch but a number.
            boolean best = !Double.isNaN(objective) && (state.bestEpoch() == 0 || Double.isNaN(state.bestObjective())
                    || objective > state.bestObjective());
            state = new TrainState(epoch, 0, improved ? result.valLoss() : state.bestValLoss(),
                    improved ? 0 : state.epochsWithoutImprovement() + 1, metrics,
                    best || state.bestEpoch() == 0 ? epoch : state.bestEpoch(),
                    best || state.bestEpoch() == 0 ? metrics : state.bestEpochMetrics());
            try {
                Path checkpoint = writeCheckpoint(graph, state, dir);
                if (best && spec.withDefaults().keep() == KeepModel.BEST) {
                    // Before the checkpoint that names it best, so that a checkpoint never names a best
                    // epoch whose weights were not saved; bestGraph checks the epoch on the way back.
                    saveBest(lease, checkpoint, state, dir);
                }
                // Checkpoint first: if the worker dies before the metrics land, the next attempt logs them.
                uploadCheckpoint(lease, checkpoint);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            logMetrics(lease, epoch, metrics);
            log.info("Run {} epoch {}/{}: loss {} val_loss {} val_mean_iou {}", lease.claim().runId(), epoch,
                    spec.epochs(), result.loss(), result.valLoss(), result.valMeanIou());
            if (spec.earlyStoppingPatience() != null && state.epochsWithoutImprovement() >= spec.earlyStoppingPatience()
                    && epoch < spec.epochs()) {
                earlyStopped = true;
                log.info("Run {} stops early: val_loss has not improved for {} epochs", lease.claim().runId(),
                        state.epochsWithoutImprovement());
                String at = Integer.toString(epoch);
                lease.write("log params", () -> client.logParams(lease.claim().runId(), lease.claim().leaseToken(),
                        Map.of("stopped_early_at_epoch", at)));
            }
        }

        @Override
        public boolean stopRequested() {
            return earlyStopped || lease.stopReason() != null;
        }
    }

    static Map<String, Double> metrics(EpochResult result, List<String> classNames) {
        Map<String, Double> metrics = new LinkedHashMap<>();
        metrics.put("loss", result.loss());
        metrics.put("accuracy", result.accuracy());
        metrics.put("mean_iou", result.meanIou());
        metrics.put("val_loss", result.valLoss());
        metrics.put("val_accuracy", result.valAccuracy());
        metrics.put("val_mean_iou", result.valMeanIou());
        for (int c = 0; c < result.perClassIou().size(); c++) {
            metrics.put("val_iou_" + classNames.get(c), result.perClassIou().get(c));
        }
        metrics.put("epoch_seconds", result.epochSeconds());
        metrics.put("images_per_second", result.imagesPerSecond());
        return metrics;
    }

    /**
     * The model bundle that inference serves, and a few validation images to look at: for each, under
     * {@code samples/<name>/}, the network's input ({@code input.png}, 8-bit RGB at model input size), the
     * ground truth ({@code truth.png}) and the prediction ({@code mask.png}), both masks as palette PNGs
     * in {@link MaskEncoder}'s colours, so they compare by eye and their pixel values are class indices.
     */
    private void uploadModel(Lease lease, ComputationGraph graph, ModelSpec model, PetData data,
                             Map<String, Double> metrics, int epoch, Path dir) throws IOException {
        JobClaim claim = lease.claim();
        SegmentationDataset validation = data.validation();
        Path bundle = dir.resolve("bundle.zip");
        ModelBundle.of(graph, model, validation.classNames(), metrics, Long.toString(claim.runId()), epoch)
                .save(bundle);
        lease.write("upload bundle", () -> client.uploadArtifact(claim.runId(), ArtifactPaths.MODEL_BUNDLE,
                claim.leaseToken(), bundle, "application/zip"));
        MaskEncoder encoder = new MaskEncoder();
        int samples = Math.min(properties.sampleMasks(), validation.size());
        int size = validation.imageSize();
        for (int i = 0; i < samples; i++) {
            var probabilities = Networks.fullResolution(model, graph.output(false, validation.features(new int[] {i}, null)));
            ClassMask predicted = MaskPostprocessor.toMask(probabilities, model.inputSize(), model.inputSize());
            Map<String, byte[]> images = new LinkedHashMap<>();
            images.put(ArtifactPaths.SAMPLE_INPUT, MaskEncoder.png(validation.image(i)));
            images.put(ArtifactPaths.SAMPLE_TRUTH, encoder.png(ClassMask.of(size, size, validation.mask(i))));
            images.put(ArtifactPaths.SAMPLE_MASK, encoder.png(predicted));
            for (Map.Entry<String, byte[]> image : images.entrySet()) {
                Path png = Files.write(dir.resolve("sample-" + i + "-" + image.getKey()), image.getValue());
                String path = ArtifactPaths.SAMPLES_DIR + validation.name(i) + "/" + image.getKey();
                lease.write("upload sample", () -> client.uploadArtifact(claim.runId(), path, claim.leaseToken(), png,
                        "image/png"));
            }
        }
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
        // The claim count, not attempt: a job handed back on shutdown keeps its attempt but must resume.
        if (claim.claim() <= 1) {
            return Optional.empty();
        }
        List<ArtifactInfo> checkpoints = lease.write("list checkpoints",
                () -> client.listArtifacts(claim.runId(), Checkpoints.ARTIFACT));
        if (checkpoints.isEmpty()) {
            log.info("Run {} claim {}: no checkpoint yet, starting over", claim.runId(), claim.claim());
            return Optional.empty();
        }
        Path file = dir.resolve("resume.zip");
        lease.write("download checkpoint", () -> client.downloadArtifact(claim.runId(), Checkpoints.ARTIFACT, file));
        Checkpoints.Loaded loaded = Checkpoints.read(file);
        log.info("Run {} claim {}: resuming after epoch {} batch {}", claim.runId(), claim.claim(),
                loaded.state().epochsDone(), loaded.state().batchesDone());
        return Optional.of(loaded);
    }

    /**
     * Keeps a new best epoch, from the checkpoint just written for it (the same graph and state):
     * locally for this attempt's bundle and, unless it is the last epoch (which the bundle takes
     * straight from the graph), among the run's artifacts for a later attempt.
     */
    private void saveBest(Lease lease, Path checkpoint, TrainState state, Path dir) throws IOException {
        Path file = Files.copy(checkpoint, dir.resolve("best.zip"), StandardCopyOption.REPLACE_EXISTING);
        RunSpec spec = lease.claim().spec();
        if (state.epochsDone() < spec.epochs()) {
            JobClaim claim = lease.claim();
            lease.write("upload best epoch", () -> client.uploadArtifact(claim.runId(), BEST_ARTIFACT,
                    claim.leaseToken(), file, "application/zip"));
        }
    }

    private static Path writeCheckpoint(ComputationGraph graph, TrainState state, Path dir) throws IOException {
        Path file = dir.resolve("checkpoint.zip");
        Checkpoints.write(file, graph, state);
        return file;
    }

    private void uploadCheckpoint(Lease lease, Path file) {
        JobClaim claim = lease.claim();
        lease.write("upload checkpoint", () -> client.uploadArtifact(claim.runId(), Checkpoints.ARTIFACT,
                claim.leaseToken(), file, "application/zip"));
    }

    private StopReason stopped(Lease lease, StopReason stop, ComputationGraph graph, TrainState state, Path dir)
            throws IOException {
        if (stop != StopReason.LEASE_LOST) {
            uploadCheckpoint(lease, writeCheckpoint(graph, state, dir));
        }
        log.info("Run {} stopped ({}) after {} epoch(s) and {} batch(es)", lease.claim().runId(), stop,
                state.epochsDone(), state.batchesDone());
        return stop;
    }

    private static void deleteRecursively(Path dir) {
        try (var paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException e) {
            log.debug("Could not clean {}", dir, e);
        }
    }
}
