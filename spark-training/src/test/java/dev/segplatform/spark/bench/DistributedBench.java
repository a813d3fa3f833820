package dev.segplatform.spark.bench;

import dev.segplatform.core.dataset.PetData;
import dev.segplatform.core.dataset.PetDataOptions;
import dev.segplatform.core.model.Architecture;
import dev.segplatform.core.model.ModelSpec;
import dev.segplatform.core.model.Networks;
import dev.segplatform.core.model.Optimizer;
import dev.segplatform.core.runtime.NativeBackend;
import dev.segplatform.core.train.EpochResult;
import dev.segplatform.core.train.SegmentationTrainer;
import dev.segplatform.core.train.TrainingOptions;
import dev.segplatform.core.train.TrainingResult;
import dev.segplatform.spark.SparkExecutors;
import dev.segplatform.spark.SparkSegmentationTrainer;
import dev.segplatform.spark.SparkTrainingOptions;
import dev.segplatform.testsupport.SparkStandaloneCluster;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.IntStream;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * One network, one data set, the same epochs, three ways: one trainer alone, DL4J's
 * {@code ParallelWrapper} with two workers in one JVM, and DL4J's Spark parameter averaging with
 * two workers ({@code local[2]}: two executor threads of this JVM; with {@code --cluster} also on a
 * Spark standalone cluster of two single-core workers started on this machine, whose executors are
 * JVMs of their own, as across machines). Prints the training images/s
 * of the last epoch (the first includes oneDNN's kernel choice and Spark's start) and the
 * validation mean IoU each reaches, run by {@code bin/bench distributed}.
 *
 * <p>Options: {@code --size N} (64), {@code --width N} (8), {@code --count N} synthetic pets (400),
 * {@code --epochs N} (3), {@code --batch N} per worker (8), {@code --averaging N} minibatches per
 * worker between averagings (4), {@code --cluster}. The single trainer and the wrapper run batch x 2, so each step of
 * every variant sees the same number of images.
 *
 * <p>The variants run one after another, so load from other work on a shared machine falls on
 * whichever runs during it: compare figures from a quiet machine.
 */
public final class DistributedBench {

    private record Row(String name, double imagesPerSecond, double valMeanIou, double seconds) {
    }

    private DistributedBench() {
    }

    public static void main(String[] args) throws Exception {
        int size = 64;
        int width = 8;
        int count = 400;
        int epochs = 3;
        int batch = 8;
        int averaging = 4;
        boolean cluster = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--size" -> size = Integer.parseInt(args[++i]);
                case "--width" -> width = Integer.parseInt(args[++i]);
                case "--count" -> count = Integer.parseInt(args[++i]);
                case "--epochs" -> epochs = Integer.parseInt(args[++i]);
                case "--batch" -> batch = Integer.parseInt(args[++i]);
                case "--averaging" -> averaging = Integer.parseInt(args[++i]);
                case "--cluster" -> cluster = true;
                default -> throw new IllegalArgumentException("unknown option " + args[i]
                        + "; options: --size --width --count --epochs --batch --averaging --cluster");
            }
        }
        NativeBackend.configure();
        ModelSpec spec = ModelSpec.of(Architecture.UNET, size, 3).withWidth(width)
                .withOptimizer(Optimizer.ADAM, 3e-3, 0);
        Path target = Path.of("spark-training", "target");
        PetData pets = PetData.loadOrGenerate(target.resolve("bench-data").resolve("synthetic-pets-" + count),
                count, 2024, PetDataOptions.of(size));
        System.out.printf(Locale.ROOT, "U-Net %d px, width %d, %d training / %d validation pets, %d epochs%n", size,
                width, pets.train().size(), pets.validation().size(), epochs);

        // oneDNN picks its kernels per shape on first use and the JIT warms up: not in the first variant's figures.
        new SegmentationTrainer(spec).train(pets.train().subset(IntStream.range(0, 4 * batch).toArray()),
                pets.validation().subset(new int[] {0}), new TrainingOptions(1, 2 * batch, 0, false, 1, 32, 0, 1), null);

        List<Row> rows = new ArrayList<>();
        TrainingOptions whole = new TrainingOptions(epochs, 2 * batch, 0, false, 64, 32, 0, 1);
        rows.add(local("one trainer, batch " + 2 * batch, spec, pets, whole));
        rows.add(local("ParallelWrapper, 2 x batch " + batch, spec, pets,
                new TrainingOptions(epochs, batch, 0, false, 64, 32, 0, 2)));
        TrainingOptions perWorker = new TrainingOptions(epochs, batch, 0, false, 64, 32, 0, 1);
        SparkTrainingOptions averaged = new SparkTrainingOptions(2, averaging,
                target.resolve("bench-export").toAbsolutePath());
        rows.add(spark("Spark local[2], 2 x batch " + batch + ", averaging every " + averaging,
                sparkConf("local[2]"), spec, pets, averaged, perWorker));
        if (cluster) {
            try (SparkStandaloneCluster standalone = SparkStandaloneCluster.launch(target.resolve("bench-cluster"), 2,
                    1, "2g", SparkExecutors.javaOptions())) {
                standalone.awaitWorkers(Duration.ofMinutes(3));
                SparkConf conf = sparkConf(standalone.masterUrl()).set("spark.executor.memory", "1g")
                        .set("spark.executor.cores", "1").set("spark.cores.max", "2")
                        .set("spark.executor.extraClassPath", SparkStandaloneCluster.testClassPath());
                rows.add(spark("Spark cluster, 2 executor JVMs, same batches", conf, spec, pets, averaged,
                        perWorker));
            }
        }

        System.out.printf(Locale.ROOT, "%n%-52s %12s %14s %10s%n", "variant", "images/s", "val mean IoU", "seconds");
        for (Row r : rows) {
            System.out.printf(Locale.ROOT, "%-52s %12.1f %14.3f %10.1f%n", r.name(), r.imagesPerSecond(),
                    r.valMeanIou(), r.seconds());
        }
    }

    private static SparkConf sparkConf(String master) {
        return new SparkConf().setMaster(master).setAppName("distributed-bench")
                .set("spark.ui.enabled", "false").set("spark.driver.host", "127.0.0.1")
                .set("spark.driver.bindAddress", "127.0.0.1");
    }

    /** The Spark variant on {@code conf}'s master; the context's start is part of its seconds. */
    private static Row spark(String name, SparkConf conf, ModelSpec spec, PetData pets, SparkTrainingOptions averaged,
                             TrainingOptions perWorker) {
        long start = System.nanoTime();
        try (JavaSparkContext sc = new JavaSparkContext(SparkExecutors.withNativeBackend(conf))) {
            SparkSegmentationTrainer trainer = new SparkSegmentationTrainer(spec, Networks.build(spec), sc, averaged,
                    perWorker.batchSize());
            return row(name, trainer.train(pets.train(), pets.validation(), perWorker, null), start);
        }
    }

    private static Row local(String name, ModelSpec spec, PetData pets, TrainingOptions options) {
        long start = System.nanoTime();
        TrainingResult result = new SegmentationTrainer(spec).train(pets.train(), pets.validation(), options, null);
        return row(name, result, start);
    }

    private static Row row(String name, TrainingResult result, long startNanos) {
        EpochResult last = result.last();
        System.out.printf(Locale.ROOT, "%s: %.1f images/s, val mean IoU %.3f%n", name, last.imagesPerSecond(),
                last.valMeanIou());
        return new Row(name, last.imagesPerSecond(), last.valMeanIou(), (System.nanoTime() - startNanos) / 1e9);
    }
}
