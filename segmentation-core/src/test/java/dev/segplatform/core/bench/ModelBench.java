package dev.segplatform.core.bench;

import com.sun.management.HotSpotDiagnosticMXBean;
import dev.segplatform.core.model.Architecture;
import dev.segplatform.core.model.ModelSpec;
import dev.segplatform.core.model.Networks;
import dev.segplatform.core.model.serving.InferenceGraph;
import dev.segplatform.core.runtime.NativeBackend;
import dev.segplatform.testsupport.JitWarmUp;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
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
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;
import org.bytedeco.javacpp.Pointer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Training and inference speed of U-Net, PSPNet and ICNet on this machine's CPU, run by
 * {@code bin/bench models [--peer]}.
 *
 * <p>Per network, at 128x128 with batch 16 and default widths: training images/s, median latency
 * of one image, throughput of a batch, and peak memory: the JVM heap pools' peak, and the
 * process's resident set ({@code Pointer.physicalBytes()}, sampled every 5 ms) as a peak and as
 * growth over its level before the network was built. ND4J's native buffers are not counted by
 * {@code Pointer.totalBytes()} on this backend (it stays near 0), so the resident set is the
 * honest measure of heap plus off-heap. Data are random: speed does not depend on content.
 *
 * <p>With {@code --peer}, the same network in PyTorch ({@code src/test/python/torch_peer.py},
 * layer for layer the DL4J definition, same input, batch, Adam and thread count) runs in a peer
 * process, one per network so that its peak resident set is that network's. Both sides warm up,
 * then each measurement alternates DL4J and PyTorch for {@code --rounds} rounds and the medians
 * are compared: measured in the same run, interleaved, so that load from other work on a shared
 * machine falls on both sides rather than on whichever happened to run during it.
 *
 * <p>Options: {@code --size N} (128), {@code --batch N} (16), {@code --iters N} timed training
 * minibatches per round (5), {@code --rounds N} (9: a round is short, and a median over five moved
 * whenever two rounds of one side met a compilation or the host's other work), {@code --archs
 * unet,pspnet,icnet}. The JIT's thresholds are printed: {@code bin/bench models} lowers them (see
 * the script).
 */
public final class ModelBench {

    /** Training minibatches per warm-up cycle: oneDNN builds its kernels for every shape in the first. */
    private static final int WARMUP_ITERATIONS = 5;
    /**
     * Warm-up cycles (training, latency and batch runs) repeat for at least this long on each side.
     * HotSpot was still compiling the inference path after one pass, and after 300 passes of ICNet
     * inference it still compiled a hundred methods a second; JMH's default warm-up is 10 s too.
     */
    private static final long WARMUP_NANOS = 10_000_000_000L;
    /** The warm-up gives up waiting for a quiet JIT after this long, and says so. */
    private static final long WARMUP_LIMIT_NANOS = 90_000_000_000L;
    private static final int LATENCY_RUNS = 20;
    /**
     * Batch passes per timed round: long enough (about 0.2-0.5 s) that the switch from the other
     * side, whose threads spin on for a while after its own round and whose data have displaced the
     * caches, is a small part of the window rather than one pass in three.
     */
    private static final int BATCH_RUNS = 10;
    /** bin/bench runs from the repository root; an IDE or Maven may run from the module directory. */
    private static final List<Path> PEER_SCRIPT = List.of(
            Path.of("segmentation-core", "src", "test", "python", "torch_peer.py"),
            Path.of("src", "test", "python", "torch_peer.py"));

    private record Options(int size, int batch, int iters, int rounds, boolean peer, List<Architecture> architectures) {
    }

    /** One side's figures for one network, each the median over the rounds. */
    private record Speed(double trainImagesPerSecond, double latencyMs, double inferImagesPerSecond) {
    }

    /** The JVM's memory while one network ran. */
    private record Memory(long peakHeap, long rssGrowth, long peakRss) {
    }

    /** The PyTorch side of a row: its trainable parameter count, speed and peak resident set. */
    private record PeerResult(long params, Speed speed, long peakRss) {
    }

    /** One network; {@code peer} is null when PyTorch did not run. */
    private record Row(Architecture architecture, long params, long trainableParams, Speed dl4j, Memory memory,
            PeerResult peer) {

        double trainRatio() {
            return dl4j.trainImagesPerSecond() / peer.speed().trainImagesPerSecond();
        }

        /** Speed ratio, so PyTorch's time over DL4J's. */
        double latencyRatio() {
            return peer.speed().latencyMs() / dl4j.latencyMs();
        }

        double inferRatio() {
            return dl4j.inferImagesPerSecond() / peer.speed().inferImagesPerSecond();
        }
    }

    /** What both sides can be asked to do; each call returns one measurement. */
    private interface Contender {
        /** Trains on the fixed batch for {@code iterations} minibatches; images/s. */
        double train(int iterations);

        /** Median time in ms of {@code runs} forward passes of one image. */
        double latencyMs(int runs);

        /** Images/s over {@code runs} forward passes of the whole batch. */
        double inferImagesPerSecond(int runs);
    }

    public static void main(String[] args) throws Exception {
        NativeBackend.configure();
        Options options = parse(args);
        System.out.printf(Locale.ROOT, "ModelBench: %dx%d input, batch %d, %d s warm-up per side (DL4J: and until its JIT is quiet) + %d timed minibatches, "
                        + "%d rounds, %d cores, ND4J %s, JIT thresholds x%s%n", options.size(), options.size(), options.batch(),
                WARMUP_NANOS / 1_000_000_000L, options.iters(), options.rounds(), Runtime.getRuntime().availableProcessors(),
                Nd4j.getExecutioner().getClass().getSimpleName(),
                ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class).getVMOption("CompileThresholdScaling").getValue());

        PeerLauncher launcher = options.peer() ? PeerLauncher.find() : null;
        String peerStatus = !options.peer() ? "peer: not requested (add --peer to compare with the same networks in PyTorch)"
                : launcher.problem() != null ? launcher.problem()
                : "peer: " + launcher.python() + " " + launcher.script() + ", " + launcher.threads() + " threads, glibc malloc keeping freed memory (MALLOC_MMAP_THRESHOLD_, MALLOC_TRIM_THRESHOLD_, MALLOC_TOP_PAD_)";
        System.out.println(peerStatus);

        List<Row> rows = new ArrayList<>();
        for (Architecture a : options.architectures()) {
            boolean usePeer = launcher != null && launcher.problem() == null;
            Row row = measure(ModelSpec.of(a, options.size(), 3), options, usePeer ? launcher : null);
            if (usePeer && row.peer() == null) {
                launcher = launcher.failed("peer: failed on " + a.jsonName() + ", DL4J only from there on");
                peerStatus = launcher.problem();
            }
            rows.add(row);
        }
        printReport(rows, options, peerStatus);
    }

    private static Options parse(String[] args) {
        int size = 128;
        int batch = 16;
        int iters = 5;
        int rounds = 9;
        boolean peer = false;
        List<Architecture> architectures = List.of(Architecture.values());
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--peer" -> peer = true;
                case "--size" -> size = Integer.parseInt(args[++i]);
                case "--batch" -> batch = Integer.parseInt(args[++i]);
                case "--iters" -> iters = Integer.parseInt(args[++i]);
                case "--rounds" -> rounds = Integer.parseInt(args[++i]);
                case "--archs" -> architectures = Arrays.stream(args[++i].split(","))
                        .map(s -> Architecture.valueOf(s.trim().toUpperCase(Locale.ROOT))).toList();
                default -> usage();
            }
        }
        if (size < 32 || batch < 1 || iters < 1 || rounds < 1) {
            usage();
        }
        return new Options(size, batch, iters, rounds, peer, architectures);
    }

    private static void usage() {
        System.err.println("usage: ModelBench [--peer] [--size N] [--batch N] [--iters N] [--rounds N] "
                + "[--archs unet,pspnet,icnet]");
        System.exit(2);
    }

    // ---- measuring one network -----------------------------------------------------------------

    /** Builds the network on both sides, warms both up and measures them alternately. */
    private static Row measure(ModelSpec spec, Options options, PeerLauncher launcher) {
        String name = spec.architecture().jsonName();
        System.gc();
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            pool.resetPeakUsage();
        }
        long rssBefore = Pointer.physicalBytes();
        try (PeakSampler sampler = new PeakSampler()) {
            Dl4jSide dl4j = new Dl4jSide(spec, options.batch());
            long trainable = trainableParams(dl4j.graph);
            TorchPeer peer = launcher == null ? null : startPeer(launcher, spec, options.batch(), trainable);
            try {
                List<Contender> sides = peer == null ? List.of(dl4j) : List.of(dl4j, peer);
                warmUp(dl4j);
                if (peer != null && !warmUpPeer(peer, name)) {
                    peer.close();
                    peer = null;
                    sides = List.of(dl4j);
                }
                List<String> labels = peer == null ? List.of("DL4J") : List.of("DL4J", "PyTorch");
                // Train, then latency, then batch inference; each alternates the sides round by round.
                double[] train = alternate(sides, options.rounds(), c -> c.train(options.iters()));
                progress(name, "train img/s", labels, train, options.rounds());
                double[] latency = alternate(sides, options.rounds(), c -> c.latencyMs(LATENCY_RUNS));
                progress(name, "latency ms", labels, latency, options.rounds());
                double[] infer = alternate(sides, options.rounds(), c -> c.inferImagesPerSecond(BATCH_RUNS));
                progress(name, "infer img/s", labels, infer, options.rounds());

                long peakHeap = ManagementFactory.getMemoryPoolMXBeans().stream()
                        .filter(p -> p.getType() == MemoryType.HEAP)
                        .mapToLong(p -> p.getPeakUsage().getUsed()).sum();
                Memory memory = new Memory(peakHeap, Math.max(0, sampler.peakRss.get() - rssBefore), sampler.peakRss.get());
                int rounds = options.rounds();
                Speed dl4jSpeed = new Speed(median(train, 0, rounds), median(latency, 0, rounds), median(infer, 0, rounds));
                PeerResult peerResult = peer == null ? null : new PeerResult(peer.params,
                        new Speed(median(train, 1, rounds), median(latency, 1, rounds), median(infer, 1, rounds)),
                        peer.peakRss());
                return new Row(spec.architecture(), dl4j.graph.numParams(), trainable, dl4jSpeed, memory, peerResult);
            } finally {
                if (peer != null) {
                    peer.close();
                }
            }
        }
    }

    /** Starts a peer process and builds the network in it; null (and says why) if that fails. */
    private static TorchPeer startPeer(PeerLauncher launcher, ModelSpec spec, int batch, long dl4jTrainable) {
        TorchPeer peer;
        try {
            peer = launcher.start();
        } catch (IOException e) {
            System.out.println("peer: could not start " + launcher.python() + ": " + e.getMessage());
            return null;
        }
        try {
            peer.build(spec, batch);
        } catch (PeerException e) {
            System.out.println("peer: build failed: " + e.getMessage());
            peer.close();
            return null;
        }
        if (peer.params != dl4jTrainable) {
            // Still measured, but the reader must know the ratio is not like for like.
            System.out.printf(Locale.ROOT, "peer: WARNING %s has %d trainable parameters in PyTorch, %d in DL4J%n",
                    spec.architecture().jsonName(), peer.params, dl4jTrainable);
        }
        return peer;
    }

    /** Warm-up: JIT, workspaces, allocator pools and thread pools settle before anything is timed. */
    private static void warmUp(Contender side) {
        Runnable cycle = () -> {
            side.train(WARMUP_ITERATIONS);
            side.latencyMs(LATENCY_RUNS);
            side.inferImagesPerSecond(BATCH_RUNS);
        };
        if (side instanceof Dl4jSide) {
            JitWarmUp.untilQuiet(cycle, WARMUP_NANOS, WARMUP_LIMIT_NANOS);
        } else {
            long start = System.nanoTime();
            do {
                cycle.run();
            } while (System.nanoTime() - start < WARMUP_NANOS);
        }
    }

    /**
     * The peer's warm-up also checks that it can do all it will be asked; a failure here drops the
     * peer for this network. A failure after it aborts the run: half-measured ratios would mislead.
     */
    private static boolean warmUpPeer(TorchPeer peer, String name) {
        try {
            warmUp(peer);
            return true;
        } catch (PeerException e) {
            System.out.println("peer: warm-up of " + name + " failed: " + e.getMessage());
            return false;
        }
    }

    /**
     * Runs {@code measurement} on each side in turn, {@code rounds} times.
     *
     * @return {@code values[side * rounds + round]}
     */
    private static double[] alternate(List<Contender> sides, int rounds, ToDoubleFunction<Contender> measurement) {
        double[] values = new double[sides.size() * rounds];
        for (int round = 0; round < rounds; round++) {
            for (int side = 0; side < sides.size(); side++) {
                values[side * rounds + round] = measurement.applyAsDouble(sides.get(side));
            }
        }
        return values;
    }

    private static double median(double[] values, int side, int rounds) {
        double[] v = Arrays.copyOfRange(values, side * rounds, (side + 1) * rounds);
        Arrays.sort(v);
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    /** Every round's value, so that noise between rounds is visible. */
    private static void progress(String network, String what, List<String> sides, double[] values, int rounds) {
        StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "  %-7s %-12s", network, what));
        for (int side = 0; side < sides.size(); side++) {
            line.append(side == 0 ? "" : " |").append(' ').append(sides.get(side));
            for (int round = 0; round < rounds; round++) {
                line.append(String.format(Locale.ROOT, " %.2f", values[side * rounds + round]));
            }
        }
        System.out.println(line);
    }

    /** DL4J's numParams() without BatchNorm's running mean and variance, which PyTorch keeps as buffers. */
    private static long trainableParams(ComputationGraph graph) {
        long trainable = 0;
        for (Map.Entry<String, INDArray> e : graph.paramTable().entrySet()) {
            String param = e.getKey().substring(e.getKey().lastIndexOf('_') + 1);
            if (!param.equals("mean") && !param.equals("var") && !param.equals("log10stdev")) {
                trainable += e.getValue().length();
            }
        }
        return trainable;
    }

    // ---- the DL4J side -------------------------------------------------------------------------

    /**
     * A DL4J graph with one fixed random batch. Inference runs what the inference service runs: the
     * graph folded by {@link InferenceGraph} (batch norms into the convolutions), made once up front;
     * its speed does not depend on the weights.
     */
    private static final class Dl4jSide implements Contender {
        final ComputationGraph graph;
        private final ComputationGraph serving;
        private final MultiDataSet data;
        private final INDArray one;
        private final int batch;

        Dl4jSide(ModelSpec spec, int batch) {
            this.graph = Networks.build(spec);
            this.serving = InferenceGraph.fold(graph);
            this.data = randomBatch(spec, batch, new Random(1));
            this.one = data.getFeatures(0).get(NDArrayIndex.interval(0, 1)).dup();
            this.batch = batch;
        }

        @Override
        public double train(int iterations) {
            long t = System.nanoTime();
            for (int i = 0; i < iterations; i++) {
                graph.fit(data);
            }
            return batch * iterations / ((System.nanoTime() - t) / 1e9);
        }

        @Override
        public double latencyMs(int runs) {
            double[] ms = new double[runs];
            for (int i = 0; i < runs; i++) {
                long t = System.nanoTime();
                release(serving.output(false, one));
                ms[i] = (System.nanoTime() - t) / 1e6;
            }
            return median(ms, 0, runs);
        }

        @Override
        public double inferImagesPerSecond(int runs) {
            long t = System.nanoTime();
            for (int i = 0; i < runs; i++) {
                release(serving.output(false, data.getFeatures(0)));
            }
            return batch * runs / ((System.nanoTime() - t) / 1e9);
        }

        /**
         * Frees the outputs' memory now, as PyTorch does when the last reference to a tensor goes.
         * Left to the garbage collector, every pass allocates fresh pages: measured on PSPNet's
         * output (3 MB), 1.2 ms per allocation against 0.1 ms when the previous one was freed.
         */
        private static void release(INDArray[] outputs) {
            for (INDArray o : outputs) {
                o.close();
            }
        }
    }

    /** Random images in [0, 1] and random one-hot labels, one label array per output (also used by tests). */
    public static MultiDataSet randomBatch(ModelSpec spec, int batch, Random random) {
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

    // ---- the PyTorch side ----------------------------------------------------------------------

    /** A peer failed or answered something unexpected. */
    private static final class PeerException extends RuntimeException {
        PeerException(String message) {
            super(message);
        }
    }

    /**
     * How to start peers, or why none can run ({@code problem}, the line to print, when non-null).
     */
    private record PeerLauncher(String python, Path script, int threads, String problem) {

        static PeerLauncher find() throws InterruptedException {
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
                return new PeerLauncher(null, null, 0, "peer: PyTorch not installed (Debian: apt-get install python3-torch)");
            }
            Path script = PEER_SCRIPT.stream().filter(Files::isRegularFile).findFirst().orElse(null);
            if (script == null) {
                return new PeerLauncher(python, null, 0, "peer: torch_peer.py not found (looked for " + PEER_SCRIPT
                        + " under " + Path.of("").toAbsolutePath() + ")");
            }
            // As many threads as ND4J uses by default: one per core.
            return new PeerLauncher(python, script, Runtime.getRuntime().availableProcessors(), null);
        }

        PeerLauncher failed(String why) {
            return new PeerLauncher(python, script, threads, why);
        }

        TorchPeer start() throws IOException {
            ProcessBuilder pb = new ProcessBuilder(python, script.toString())
                    .redirectError(ProcessBuilder.Redirect.INHERIT);
            pb.environment().put("THREADS", String.valueOf(threads));
            // glibc hands large freed blocks back to the kernel and page-faults them in again on
            // the next step, and whether it does depends on its dynamic mmap threshold: PyTorch's
            // ICNet training ran at 120-180 or at 480-550 images/s from one run to the next (PSPNet
            // 93 or 182). The peer keeps its memory, as PyTorch's CPU tuning guide advises (it
            // suggests jemalloc or tcmalloc; these are glibc's own settings to the same effect),
            // so that DL4J meets PyTorch at its best, every run. DL4J keeps its arrays in workspaces.
            pb.environment().putIfAbsent("MALLOC_MMAP_THRESHOLD_", String.valueOf(32L << 20));
            pb.environment().putIfAbsent("MALLOC_TRIM_THRESHOLD_", String.valueOf(4L << 30));
            pb.environment().putIfAbsent("MALLOC_TOP_PAD_", String.valueOf(512L << 20));
            return new TorchPeer(pb.start());
        }
    }

    /** A torch_peer.py process: one command line in, one answer line out (see the script's docstring). */
    private static final class TorchPeer implements Contender, AutoCloseable {
        private final Process process;
        private final BufferedWriter commands;
        private final BufferedReader answers;
        long params;

        TorchPeer(Process process) {
            this.process = process;
            this.commands = new BufferedWriter(new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8));
            this.answers = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        }

        void build(ModelSpec spec, int batch) {
            // "built <arch> params <n>"
            String[] words = ask(String.format(Locale.ROOT, "build %s %d %d %d", spec.architecture().jsonName(),
                    spec.inputSize(), batch, spec.numClasses()), "built").split(" ");
            params = Long.parseLong(words[words.length - 1]);
        }

        @Override
        public double train(int iterations) {
            return Double.parseDouble(ask("train " + iterations, "train"));
        }

        @Override
        public double latencyMs(int runs) {
            return Double.parseDouble(ask("latency " + runs, "latency"));
        }

        @Override
        public double inferImagesPerSecond(int runs) {
            return Double.parseDouble(ask("infer " + runs, "infer"));
        }

        long peakRss() {
            return Long.parseLong(ask("rss", "rss"));
        }

        /** Sends one command and returns its answer without the leading keyword. */
        private String ask(String command, String keyword) {
            String answer;
            try {
                commands.write(command);
                commands.newLine();
                commands.flush();
                answer = answers.readLine();
            } catch (IOException e) {
                throw new PeerException("'" + command + "': " + e.getMessage());
            }
            if (answer == null) {
                throw new PeerException("'" + command + "': the peer exited" + exitCode());
            }
            if (answer.startsWith("error ")) {
                throw new PeerException("'" + command + "': " + answer.substring("error ".length()));
            }
            if (!answer.startsWith(keyword + " ")) {
                throw new PeerException("'" + command + "': unexpected answer '" + answer + "'");
            }
            return answer.substring(keyword.length() + 1).trim();
        }

        private String exitCode() {
            try {
                return process.waitFor(5, TimeUnit.SECONDS) ? " with code " + process.exitValue() : "";
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return "";
            }
        }

        @Override
        public void close() {
            try {
                commands.write("quit");
                commands.newLine();
                commands.flush();
            } catch (IOException e) {
                // Already gone; destroy below makes sure.
            }
            try {
                if (!process.waitFor(10, TimeUnit.SECONDS)) {
                    process.destroy();
                }
            } catch (InterruptedException e) {
                process.destroy();
                Thread.currentThread().interrupt();
            }
        }
    }

    private static boolean commandSucceeds(String... command) throws InterruptedException {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            return p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        }
    }

    // ---- the report ----------------------------------------------------------------------------

    /** A table column: a header and how to show a row in it; values are right-aligned to the header. */
    private record Column(String header, Function<Row, String> value) {
    }

    private static Column number(String header, String format, ToDoubleFunction<Row> value) {
        return new Column(header, r -> String.format(Locale.ROOT, format, value.applyAsDouble(r)));
    }

    /** A PyTorch column, or a ratio, which are blank for a network the peer failed on. */
    private static Column peerNumber(String header, String format, ToDoubleFunction<Row> value) {
        return new Column(header, r -> r.peer() == null ? "-" : String.format(Locale.ROOT, format, value.applyAsDouble(r)));
    }

    private static void printReport(List<Row> rows, Options options, String peerStatus) {
        boolean peer = rows.stream().anyMatch(r -> r.peer() != null);
        boolean everyPeer = !rows.isEmpty() && rows.stream().allMatch(r -> r.peer() != null);
        Column network = new Column("network", r -> r.architecture().jsonName());
        List<Column> speed = new ArrayList<>(List.of(network));
        speed.add(number("DL4J train img/s", "%.2f", r -> r.dl4j().trainImagesPerSecond()));
        if (peer) {
            speed.add(peerNumber("PyTorch train img/s", "%.2f", r -> r.peer().speed().trainImagesPerSecond()));
            speed.add(peerNumber("ratio", "%.2f", Row::trainRatio));
        }
        speed.add(number("DL4J lat ms", "%.1f", r -> r.dl4j().latencyMs()));
        if (peer) {
            speed.add(peerNumber("PyTorch lat ms", "%.1f", r -> r.peer().speed().latencyMs()));
            speed.add(peerNumber("ratio", "%.2f", Row::latencyRatio));
        }
        speed.add(number("DL4J infer img/s", "%.2f", r -> r.dl4j().inferImagesPerSecond()));
        if (peer) {
            speed.add(peerNumber("PyTorch infer img/s", "%.2f", r -> r.peer().speed().inferImagesPerSecond()));
            speed.add(peerNumber("ratio", "%.2f", Row::inferRatio));
        }
        speed.add(number("DL4J RSS MB", "%.0f", r -> r.memory().peakRss() / 1e6));
        if (peer) {
            speed.add(peerNumber("PyTorch RSS MB", "%.0f", r -> r.peer().peakRss() / 1e6));
        }
        System.out.println();
        printTable(speed, rows);

        List<Column> detail = new ArrayList<>(List.of(network,
                number("DL4J params", "%.0f", Row::params),
                number("DL4J trainable", "%.0f", Row::trainableParams)));
        if (peer) {
            detail.add(peerNumber("PyTorch params", "%.0f", r -> r.peer().params()));
        }
        detail.add(number("DL4J heap MB", "%.0f", r -> r.memory().peakHeap() / 1e6));
        detail.add(number("DL4J +RSS MB", "%.0f", r -> r.memory().rssGrowth() / 1e6));
        System.out.println();
        printTable(detail, rows);

        System.out.printf(Locale.ROOT, "%n%dx%d, batch %d; medians over %d rounds after warm-up (cycles of %d minibatches, %d "
                        + "single-image and %d batch passes, for at least %d s per side; on the DL4J side until HotSpot's compilers took under %.0f%% of %d cycles in a row).%n", options.size(), options.size(),
                options.batch(), options.rounds(), WARMUP_ITERATIONS, LATENCY_RUNS, BATCH_RUNS, WARMUP_NANOS / 1_000_000_000L,
                100 * JitWarmUp.QUIET_SHARE, JitWarmUp.QUIET_CYCLES);
        System.out.printf(Locale.ROOT, "train: %d minibatches per round; lat: median of %d single-image passes; "
                + "infer: %d passes of the whole batch.%n", options.iters(), LATENCY_RUNS, BATCH_RUNS);
        System.out.println("DL4J RSS MB: peak resident set of the JVM (earlier networks included); +RSS MB: its "
                + "growth while the network ran; heap MB: peak of the heap pools.");
        System.out.println("DL4J params: numParams(), which counts BatchNorm's running mean and variance; trainable: "
                + "without them, as PyTorch counts.");
        if (!peer) {
            System.out.println(peerStatus);
            return;
        }
        System.out.println("PyTorch: the same networks (src/test/python/torch_peer.py), one process per network; "
                + "PyTorch RSS MB is that process's peak resident set.");
        System.out.println("ratio: DL4J speed / PyTorch speed (for latency PyTorch ms / DL4J ms): above 1, DL4J is faster.");
        if (!everyPeer) {
            // A minimum over some networks only would look like a result for all of them.
            System.out.println(peerStatus + "; no min ratio");
            return;
        }
        double training = rows.stream().mapToDouble(Row::trainRatio).min().orElseThrow();
        double inference = rows.stream().mapToDouble(r -> Math.min(r.latencyRatio(), r.inferRatio())).min().orElseThrow();
        System.out.printf(Locale.ROOT, "min ratio DL4J/PyTorch: training %.2f, inference %.2f%n", training, inference);
    }

    private static void printTable(List<Column> columns, List<Row> rows) {
        StringBuilder header = new StringBuilder();
        for (int c = 0; c < columns.size(); c++) {
            header.append(c == 0 ? String.format("%-7s", columns.get(c).header()) : "  " + columns.get(c).header());
        }
        System.out.println(header);
        for (Row r : rows) {
            StringBuilder line = new StringBuilder();
            for (int c = 0; c < columns.size(); c++) {
                Column column = columns.get(c);
                String value = column.value().apply(r);
                line.append(c == 0 ? String.format("%-7s", value)
                        : String.format("  %" + column.header().length() + "s", value));
            }
            System.out.println(line);
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
