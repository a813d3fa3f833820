package dev.segplatform.core.bench;

import dev.segplatform.core.model.Architecture;
import dev.segplatform.core.model.ModelSpec;
import dev.segplatform.core.model.Networks;
import dev.segplatform.core.model.serving.InferenceGraph;
import dev.segplatform.core.runtime.NativeBackend;
import dev.segplatform.testsupport.JitWarmUp;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordingFile;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;

/**
 * Where a training iteration's time goes, run by {@code bin/bench profile}: trains each network at
 * 128x128, batch 16, for a few seconds under Java Flight Recorder and attributes every sample of
 * the training thread (in Java or inside a native ND4J/oneDNN call) to the first DL4J layer or
 * platform method on its stack: {@code MKLDNNConvHelper.backpropGradient} is convolution
 * backward, {@code Resampling.applySeparable} the bilinear/adaptive-pool layers, and so on. GC
 * pauses are summed separately. Sampling, not instrumentation, so the iteration runs at full speed.
 * Read the shares with care: JFR samples threads in native code and in Java separately, and here it
 * over-counts native time. For PSPNet inference it put 20.5 ms of a 28 ms batch in oneDNN
 * convolutions, whose own timing ({@code ONEDNN_VERBOSE=1}) summed to 12.9 ms of a 22 ms batch.
 *
 * <p>Options: {@code --seconds N} per network (15), {@code --archs unet,pspnet,icnet}, {@code --top N} rows (14),
 * {@code --inference} to profile {@code output()} of the batch on the folded serving graph ({@link
 * dev.segplatform.core.model.InferenceGraph}) instead of {@code fit()}, {@code --detail}
 * to split each layer method's time by the call it was making (e.g. {@code
 * FusedBatchNormImpl.backpropGradient > FusedBatchNormImpl.maskAndSum:140}).
 */
public final class TrainingProfile {

    private static final String MAIN = "main";

    private TrainingProfile() {
    }

    public static void main(String[] args) throws Exception {
        NativeBackend.configure();
        int seconds = 15;
        int top = 14;
        boolean inference = false;
        boolean detail = false;
        List<Architecture> architectures = List.of(Architecture.values());
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--seconds" -> seconds = Integer.parseInt(args[++i]);
                case "--top" -> top = Integer.parseInt(args[++i]);
                case "--inference" -> inference = true;
                case "--detail" -> detail = true;
                case "--archs" -> architectures = Arrays.stream(args[++i].split(","))
                        .map(s -> Architecture.valueOf(s.trim().toUpperCase(Locale.ROOT))).toList();
                default -> throw new IllegalArgumentException("usage: bin/bench profile [--seconds N] [--archs unet,pspnet,icnet] [--top N] [--inference] [--detail]");
            }
        }
        for (Architecture architecture : architectures) {
            profile(ModelSpec.of(architecture, 128, 3), 16, seconds, top, inference, detail);
        }
    }

    /** Frees the outputs now, as ModelBench does (see its {@code release}). */
    private static void release(INDArray[] outputs) {
        for (INDArray o : outputs) {
            o.close();
        }
    }

    private static void profile(ModelSpec spec, int batch, int seconds, int top, boolean inference, boolean detail)
            throws Exception {
        ComputationGraph graph = Networks.build(spec);
        MultiDataSet data = ModelBench.randomBatch(spec, batch, new Random(1));
        // Inference profiles the graph the inference service runs: folded (InferenceGraph).
        ComputationGraph serving = inference ? InferenceGraph.fold(graph) : graph;
        Runnable iteration = inference ? () -> release(serving.output(false, data.getFeatures())) : () -> graph.fit(data);
        // Samples taken while C2 still compiles would profile the contention for the cores, not the iteration.
        JitWarmUp.untilQuiet(iteration, 3_000_000_000L, 90_000_000_000L);
        Path file = Files.createTempFile("training-profile", ".jfr");
        int iterations = 0;
        long start;
        long elapsed;
        try (Recording recording = new Recording()) {
            recording.enable("jdk.ExecutionSample").withPeriod(Duration.ofMillis(10));
            recording.enable("jdk.NativeMethodSample").withPeriod(Duration.ofMillis(10));
            recording.enable("jdk.GarbageCollection");
            recording.start();
            start = System.nanoTime();
            long end = start + seconds * 1_000_000_000L;
            while (System.nanoTime() < end) {
                iteration.run();
                iterations++;
            }
            elapsed = System.nanoTime() - start;
            recording.stop();
            recording.dump(file);
        }

        Map<String, Integer> samples = new HashMap<>();
        int total = 0;
        long gcNanos = 0;
        for (RecordedEvent event : RecordingFile.readAllEvents(file)) {
            String type = event.getEventType().getName();
            if (type.equals("jdk.GarbageCollection")) {
                gcNanos += event.getDuration().toNanos();
                continue;
            }
            if (event.getThread("sampledThread") == null || !MAIN.equals(event.getThread("sampledThread").getJavaName())
                    || event.getStackTrace() == null) {
                continue;
            }
            total++;
            samples.merge(attribute(event.getStackTrace().getFrames(), detail), 1, Integer::sum);
        }
        Files.deleteIfExists(file);

        double msPerIteration = elapsed / 1e6 / iterations;
        System.out.printf(Locale.ROOT, "%n%s %s: %d iterations, %.1f ms each (%.1f images/s), %d samples of the training thread, "
                + "GC pauses %.1f%% of the time%n", spec.architecture().jsonName(), inference ? "inference" : "training",
                iterations, msPerIteration,
                batch * 1000 / msPerIteration, total, 100.0 * gcNanos / elapsed);
        final int all = total;
        samples.entrySet().stream()
                .sorted(Map.Entry.<String, Integer>comparingByValue().reversed())
                .limit(top)
                .forEach(e -> System.out.printf(Locale.ROOT, "  %5.1f%%  %5.1f ms  %s%n", 100.0 * e.getValue() / all,
                        msPerIteration * e.getValue() / all, e.getKey()));
    }

    /** The first frame, from the top, in a DL4J layer, vertex, updater or loss, or in the platform's model code. */
    private static String attribute(List<RecordedFrame> frames, boolean detail) {
        for (int i = 0; i < frames.size(); i++) {
            RecordedFrame frame = frames.get(i);
            String type = frame.getMethod().getType().getName();
            if (type.startsWith("dev.segplatform.core.model.") || type.startsWith("org.deeplearning4j.nn.layers.")
                    || type.startsWith("org.deeplearning4j.nn.graph.vertex.") || type.startsWith("org.deeplearning4j.nn.updater.")
                    || type.startsWith("org.nd4j.linalg.lossfunctions.")) {
                String name = type.substring(type.lastIndexOf('.') + 1) + "." + frame.getMethod().getName();
                if (detail && i > 0) {
                    // What the layer method was calling, and from which line: which op of a layer costs what.
                    RecordedFrame callee = frames.get(i - 1);
                    String calleeType = callee.getMethod().getType().getName();
                    name += " > " + calleeType.substring(calleeType.lastIndexOf('.') + 1) + "." + callee.getMethod().getName()
                            + ":" + frame.getLineNumber();
                }
                return name;
            }
        }
        return "(graph bookkeeping: no layer on the stack)";
    }
}
