package dev.segplatform.core.bench;

import dev.segplatform.core.model.Architecture;
import dev.segplatform.core.model.ModelSpec;
import dev.segplatform.core.model.Networks;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bytedeco.javacpp.Pointer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Training and inference speed of U-Net, PSPNet and ICNet on this machine's CPU, run by
 * {@code bin/bench models [--peer]}.
 *
 * <p>Per network, at 128x128 with batch 16 and default widths: training images/s after warm-up
 * minibatches, median latency of one image, throughput of a batch of 16 and peak memory: the JVM
 * heap pools' peak, and the process's resident set ({@code Pointer.physicalBytes()}, sampled every
 * 5 ms) as a peak and as growth over its level before the network was built. ND4J's native
 * buffers are not counted by {@code Pointer.totalBytes()} on this backend (it stays near 0), so
 * the resident set is the honest measure of heap plus off-heap. Data are random:
 * speed does not depend on content. With {@code --peer}, the PyTorch U-Net of
 * {@code shared/peer/unet_torch_bench.py} runs in the same session with the same size, batch and
 * threads, and the ratios are printed.
 *
 * <p>Options: {@code --size N} (128), {@code --batch N} (16), {@code --iters N} timed training
 * minibatches (5), {@code --archs unet,pspnet,icnet}.
 */
public final class ModelBench {

    private static final int WARMUP_ITERATIONS = 2;
    private static final int LATENCY_RUNS = 10;

    private record Row(Architecture architecture, long params, double trainImagesPerSecond, double latencyMs,
            double batchMs, double batchImagesPerSecond, long peakHeap, long rssGrowth, long peakRss) {
    }

    public static void main(String[] args) throws Exception {
        int size = 128;
        int batch = 16;
        int iters = 5;
        boolean peer = false;
        List<Architecture> architectures = new ArrayList<>(List.of(Architecture.values()));
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--peer" -> peer = true;
                case "--size" -> size = Integer.parseInt(args[++i]);
                case "--batch" -> batch = Integer.parseInt(args[++i]);
                case "--iters" -> iters = Integer.parseInt(args[++i]);
                case "--archs" -> architectures = Arrays.stream(args[++i].split(","))
                        .map(s -> Architecture.valueOf(s.trim().toUpperCase(Locale.ROOT))).toList();
                default -> {
                    System.err.println("usage: ModelBench [--peer] [--size N] [--batch N] [--iters N] [--archs unet,pspnet,icnet]");
                    System.exit(2);
                }
            }
        }
        System.out.printf("ModelBench: %dx%d input, batch %d, %d warm-up + %d timed minibatches, %d cores, ND4J %s%n",
                size, size, batch, WARMUP_ITERATIONS, iters, Runtime.getRuntime().availableProcessors(),
                Nd4j.getExecutioner().getClass().getSimpleName());

        List<Row> rows = new ArrayList<>();
        for (Architecture a : architectures) {
            rows.add(measure(ModelSpec.of(a, size, 3), batch, iters));
        }
        printTable(rows, size, batch);
        if (peer) {
            runPeer(rows, size, batch, iters);
        }
    }

    private static Row measure(ModelSpec spec, int batch, int iters) {
        System.gc();
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            pool.resetPeakUsage();
        }
        long rssBefore = Pointer.physicalBytes();
        try (PeakSampler sampler = new PeakSampler()) {
            ComputationGraph graph = Networks.build(spec);
            MultiDataSet data = randomBatch(spec, batch, new Random(1));

            for (int i = 0; i < WARMUP_ITERATIONS; i++) {
                graph.fit(data);
            }
            long t = System.nanoTime();
            for (int i = 0; i < iters; i++) {
                graph.fit(data);
            }
            double trainSeconds = (System.nanoTime() - t) / 1e9;

            INDArray one = data.getFeatures(0).get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 1)).dup();
            graph.output(false, one);
            double[] latencies = new double[LATENCY_RUNS];
            for (int i = 0; i < LATENCY_RUNS; i++) {
                long s = System.nanoTime();
                graph.output(false, one);
                latencies[i] = (System.nanoTime() - s) / 1e6;
            }
            Arrays.sort(latencies);
            graph.output(false, data.getFeatures(0));
            long s = System.nanoTime();
            int batchRuns = 3;
            for (int i = 0; i < batchRuns; i++) {
                graph.output(false, data.getFeatures(0));
            }
            double batchMs = (System.nanoTime() - s) / 1e6 / batchRuns;

            long peakHeap = ManagementFactory.getMemoryPoolMXBeans().stream()
                    .filter(p -> p.getType() == MemoryType.HEAP)
                    .mapToLong(p -> p.getPeakUsage().getUsed()).sum();
            Row row = new Row(spec.architecture(), graph.numParams(), batch * iters / trainSeconds,
                    latencies[LATENCY_RUNS / 2], batchMs, batch * 1000.0 / batchMs, peakHeap,
                    Math.max(0, sampler.peakRss.get() - rssBefore), sampler.peakRss.get());
            System.out.printf("  %s done: %.2f train img/s%n", spec.architecture().jsonName(), row.trainImagesPerSecond());
            return row;
        }
    }

    /** Random images and random one-hot labels, one label array per output. */
    private static MultiDataSet randomBatch(ModelSpec spec, int batch, Random random) {
        int[] strides = Networks.labelDownsample(spec);
        INDArray[] labels = new INDArray[strides.length];
        for (int o = 0; o < strides.length; o++) {
            int side = spec.inputSize() / strides[o];
            labels[o] = Nd4j.zeros(batch, spec.numClasses(), side, side);
            for (int b = 0; b < batch; b++) {
                for (int y = 0; y < side; y++) {
                    for (int x = 0; x < side; x++) {
                        labels[o].putScalar(new long[] {b, random.nextInt(spec.numClasses()), y, x}, 1.0);
                    }
                }
            }
        }
        Nd4j.getRandom().setSeed(random.nextLong());
        return new MultiDataSet(new INDArray[] {Nd4j.rand(batch, 3, spec.inputSize(), spec.inputSize())}, labels);
    }

    private static void printTable(List<Row> rows, int size, int batch) {
        System.out.printf("%n%-7s %9s %12s %13s %14s %13s %10s %11s %9s%n", "network", "params", "train img/s",
                "latency 1 ms", "batch" + batch + " ms", "infer img/s", "heap MB", "+RSS MB", "RSS MB");
        for (Row r : rows) {
            System.out.printf("%-7s %9d %12.2f %13.1f %14.1f %13.1f %10.0f %11.0f %9.0f%n", r.architecture().jsonName(),
                    r.params(), r.trainImagesPerSecond(), r.latencyMs(), r.batchMs(), r.batchImagesPerSecond(),
                    r.peakHeap() / 1e6, r.rssGrowth() / 1e6, r.peakRss() / 1e6);
        }
        System.out.printf("(%dx%d; heap MB = peak of the JVM heap pools, +RSS MB = peak resident set growth while the "
                + "network ran, RSS MB = peak resident set of the process, JVM and earlier networks included)%n", size, size);
    }

    private static void runPeer(List<Row> rows, int size, int batch, int iters) throws IOException, InterruptedException {
        System.out.println();
        // The python3 on PATH may be a pyenv or venv without torch while the system one has it
        // (Debian's python3-torch installs for /usr/bin/python3).
        String python = null;
        for (String candidate : List.of("python3", "/usr/bin/python3")) {
            if (commandSucceeds(candidate, "-c", "import torch")) {
                python = candidate;
                break;
            }
        }
        if (python == null) {
            System.out.println("peer: PyTorch is not installed (python3 -c 'import torch' failed); "
                    + "install it (e.g. Debian's python3-torch) to compare with the PyTorch U-Net");
            return;
        }
        Path script = findPeerScript();
        if (script == null) {
            System.out.println("peer: unet_torch_bench.py not found (set SEG_PEER_DIR or keep shared/peer beside the repo)");
            return;
        }
        int threads = Runtime.getRuntime().availableProcessors();
        ProcessBuilder pb = new ProcessBuilder(python, script.toString(), String.valueOf(size), String.valueOf(batch),
                String.valueOf(iters)).redirectErrorStream(true);
        pb.environment().put("THREADS", String.valueOf(threads));
        Process p = pb.start();
        StringBuilder out = new StringBuilder();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                System.out.println("peer: " + line);
                out.append(line).append('\n');
            }
        }
        if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0) {
            System.out.println("peer: the PyTorch run failed");
            return;
        }
        Matcher train = Pattern.compile("TRAIN .*-> ([0-9.]+) img/s").matcher(out);
        Matcher infer = Pattern.compile("INFER bs1 median=([0-9.]+) ms \\| bs\\d+ ([0-9.]+) ms/batch -> ([0-9.]+) img/s")
                .matcher(out);
        Row unet = rows.stream().filter(r -> r.architecture() == Architecture.UNET).findFirst().orElse(null);
        if (unet == null || !train.find() || !infer.find()) {
            System.out.println("peer: no U-Net row or unparseable peer output; no ratio");
            return;
        }
        double torchTrain = Double.parseDouble(train.group(1));
        double torchLatency = Double.parseDouble(infer.group(1));
        double torchInfer = Double.parseDouble(infer.group(3));
        System.out.printf("%nU-Net, DL4J vs PyTorch (same layers, input, batch, Adam, %d threads):%n", threads);
        System.out.printf("  train img/s   %8.2f vs %8.2f  -> DL4J at %.2fx PyTorch's speed%n", unet.trainImagesPerSecond(),
                torchTrain, unet.trainImagesPerSecond() / torchTrain);
        System.out.printf("  latency ms    %8.1f vs %8.1f  -> DL4J takes %.2fx as long%n", unet.latencyMs(), torchLatency,
                unet.latencyMs() / torchLatency);
        System.out.printf("  infer img/s   %8.1f vs %8.1f  -> DL4J at %.2fx PyTorch's speed%n",
                unet.batchImagesPerSecond(), torchInfer, unet.batchImagesPerSecond() / torchInfer);
    }

    private static Path findPeerScript() {
        List<Path> candidates = new ArrayList<>();
        String env = System.getenv("SEG_PEER_DIR");
        if (env != null) {
            candidates.add(Path.of(env, "unet_torch_bench.py"));
        }
        candidates.add(Path.of("..", "shared", "peer", "unet_torch_bench.py"));
        candidates.add(Path.of("shared", "peer", "unet_torch_bench.py"));
        candidates.add(Path.of("/work/shared/peer/unet_torch_bench.py"));
        return candidates.stream().filter(Files::isRegularFile).findFirst().orElse(null);
    }

    private static boolean commandSucceeds(String... command) throws InterruptedException {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            return p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        }
    }

    /** Samples the resident set on a daemon thread, keeping the peak. */
    private static final class PeakSampler implements AutoCloseable {
        final AtomicLong peakRss = new AtomicLong();
        private volatile boolean running = true;
        private final Thread thread;

        PeakSampler() {
            thread = new Thread(() -> {
                while (running) {
                    sample();
                    try {
                        Thread.sleep(5);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "bench-memory-sampler");
            thread.setDaemon(true);
            thread.start();
        }

        private void sample() {
            peakRss.accumulateAndGet(Pointer.physicalBytes(), Math::max);
        }

        @Override
        public void close() {
            running = false;
            thread.interrupt();
            sample();
        }
    }
}
