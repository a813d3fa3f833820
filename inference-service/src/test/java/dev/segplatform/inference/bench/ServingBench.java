package dev.segplatform.inference.bench;

import dev.segplatform.core.bundle.ModelBundle;
import dev.segplatform.core.bundle.Predictor;
import dev.segplatform.core.dataset.SegmentationDataset;
import dev.segplatform.core.dataset.SyntheticPets;
import dev.segplatform.core.image.ImageDecoder;
import dev.segplatform.core.image.RgbImage;
import dev.segplatform.core.model.Architecture;
import dev.segplatform.core.predict.Batches;
import dev.segplatform.core.predict.ClassMask;
import dev.segplatform.core.predict.ImagePreprocessor;
import dev.segplatform.core.predict.MaskEncoder;
import dev.segplatform.core.predict.MaskPostprocessor;
import dev.segplatform.core.model.ModelSpec;
import dev.segplatform.core.model.Networks;
import dev.segplatform.core.runtime.NativeBackend;
import dev.segplatform.core.runtime.OpenMpThreads;
import dev.segplatform.inference.InferenceServiceApplication;
import dev.segplatform.inference.batching.DynamicBatcher;
import dev.segplatform.inference.model.ModelHolder;
import dev.segplatform.inference.model.ServedModel;
import dev.segplatform.testsupport.JitWarmUp;
import io.micrometer.core.instrument.MeterRegistry;
import java.awt.Image;
import java.awt.image.BufferedImage;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import javax.imageio.ImageIO;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * {@code bin/bench serving}: the inference service under load, with the goals beside the
 * figures.
 *
 * <ol>
 *   <li>{@code POST /api/segment} of a PNG at the model's input size (128x128 by default) at
 *       concurrency 1, 8 and 32, dynamic batching on (the service's defaults: max batch 8, 5 ms, and
 *       the limit its load finds by timing the batch sizes, printed) and off (max batch 1), both
 *       with the default copies of the model (one single-threaded copy per core): req/s and
 *       p50/p99, the on/off throughput ratio (goal at least 0.95x at concurrency 1 and 1.5x at 32)
 *       and p99 on vs off (goal: no worse). Two rounds, the two services started in opposite
 *       orders, each mode measured in A, B, B, A slices.
 *       Beside them, the on/off ratio the raw pass allows at concurrency 32, where both modes keep
 *       every copy busy: the copies' raw rate at the largest batch formed over their rate at batch 1.
 *   <li>At concurrency 8, the service's images/s against the raw forward pass (the service's own
 *       {@link Predictor}, same JVM) at the batch sizes the batcher formed meanwhile: the raw time of
 *       each batch size, weighted by how many batches of that size ran (goal at least 0.9x). The raw
 *       pass is the faster of one pass at a time on every core and as many single-threaded copies
 *       side by side as the services run (their default), both printed. Then the same with one copy
 *       of the model against one copy's raw pass: a core left to HTTP, the codecs and the load
 *       generator, as on a machine with more cores than copies.
 *   <li>KServe v2 infer of the same image as a JSON tensor and as a binary tensor (mask output
 *       likewise), at concurrency 1 and 8 with batching on; the binary tensors at concurrency 8
 *       against the raw pass as above, the service's own cost without an image to decode or encode.
 *   <li>The CPU a segment request spends on its image outside the forward pass, by stage (header
 *       probe and decoding, preparing the input tensor, the mask from the probabilities, the mask
 *       PNG), each run in a loop on one thread of this JVM after the load (so in compiled code),
 *       beside the forward pass per image: on a machine with few cores every such millisecond is
 *       taken from the forward pass.
 *   <li>The budget 0.9x of the raw pass leaves beside it at concurrency 8, what the PNG and binary
 *       requests spent there, and two floors: a request that decodes no image and runs no pass
 *       ({@code GET /api/model}), and the PNG request's stages in a hot loop.
 *   <li>Stacking four images for a pass with {@code Nd4j.concat} and with {@link Batches#stack},
 *       and the single-threaded pass after each, alternating.
 *   <li>The raw pass at batch 4 alone and beside one thread decoding the PNG in a loop: why one
 *       pass over every core loses to single-threaded copies inside a service.
 * </ol>
 *
 * <p>The model is a U-Net of width 8 at 128 px with initial weights: speed does not depend on what
 * the weights learned. {@code --width 16 --size 64} is the model the demo's default size trains and
 * serves, whose pass costs less per image but gains more from batching; {@code --width 16} is the
 * model a spec with every default trains, whose pass costs two to four times as much per image and
 * gains the least from batching (1.24-1.26x from batch 1 to 8 on two copies). The services run
 * in this JVM; the load generator ({@link LoadClient}) runs in a process of its own, as Triton's
 * perf_analyzer does, so its threads, garbage and compilations are not charged to the service, but
 * it shares the machine's cores. The load average
 * is printed at start and end because other work on the machine moves every figure. Before the
 * first round, the two services take load at concurrency 8 in turn (and the batching one the tensor
 * requests) for at least the warm-up and then on until HotSpot's compilers are quiet ({@link
 * JitWarmUp}), so that the figures are those of a service that has compiled its code, as a
 * long-running one has.
 *
 * <p>Options: {@code --seconds N} per mode and measurement (default 8; three times that at
 * concurrency 1), {@code --warm-up N} seconds at least (default 30), {@code --width W} (default 8),
 * {@code --size S} the model's input and the image's side in pixels (default 128),
 * {@code --max-batch N} of the batching service (default 8, the service's default; at most 8).
 */
public final class ServingBench {

    private static final int[] CONCURRENCY = {1, 8, 32};
    private static final int MAX_BATCH = 8;
    /** Seconds of each service's load per warm-up cycle ({@link JitWarmUp} decides when the cycles may stop). */
    private static final double WARM_UP_SLICE = 4;
    /** Seconds after which the warm-up stops waiting for a quiet JIT (and says so). */
    private static final double WARM_UP_LIMIT = 150;
    /** The services' copies of the model: their default, one single-threaded copy per core (at most 8). */
    private static final int INSTANCES = Math.min(8, Runtime.getRuntime().availableProcessors());

    private ServingBench() {
    }

    /** Latencies (ns, sorted) of one or more rounds, the batches formed and the waits meanwhile. */
    record Measurement(long[] latencies, double seconds, long errors, long[] batches, long waits,
                       double forwardSeconds, double cpuSeconds, double[] threadCpuSeconds, double clientCpuSeconds) {

        double perSecond() {
            return latencies.length / seconds;
        }

        /** Images the passes ran (a request with no pass ran none). */
        long images() {
            long images = 0;
            for (int b = 1; b < batches.length; b++) {
                images += batches[b] * b;
            }
            return images;
        }

        double p50() {
            return percentile(latencies, 0.50);
        }

        double p99() {
            return percentile(latencies, 0.99);
        }

        /** Two rounds as one: requests over the time of both, percentiles over all latencies. */
        Measurement and(Measurement other) {
            long[] all = Arrays.copyOf(latencies, latencies.length + other.latencies.length);
            System.arraycopy(other.latencies, 0, all, latencies.length, other.latencies.length);
            Arrays.sort(all);
            long[] sum = batches.clone();
            for (int b = 0; b < sum.length; b++) {
                sum[b] += other.batches[b];
            }
            return new Measurement(all, seconds + other.seconds, errors + other.errors, sum, waits + other.waits,
                    forwardSeconds + other.forwardSeconds, cpuSeconds + other.cpuSeconds,
                    sum(threadCpuSeconds, other.threadCpuSeconds), clientCpuSeconds + other.clientCpuSeconds);
        }
    }

    public static void main(String[] args) throws Exception {
        NativeBackend.configure();
        int seconds = 8;
        int width = 8;
        int size = 128;
        int warmUp = 30;
        int maxBatch = MAX_BATCH;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--seconds" -> seconds = Integer.parseInt(args[++i]);
                case "--width" -> width = Integer.parseInt(args[++i]);
                case "--size" -> size = Integer.parseInt(args[++i]);
                case "--warm-up" -> warmUp = Integer.parseInt(args[++i]);
                case "--max-batch" -> maxBatch = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        if (maxBatch < 1 || maxBatch > MAX_BATCH) {
            throw new IllegalArgumentException("--max-batch must be 1 to " + MAX_BATCH);
        }
        Path dir = Path.of("inference-service", "target", "bench").toAbsolutePath();
        Files.createDirectories(dir);
        ModelSpec spec = ModelSpec.of(Architecture.UNET, size, 3).withWidth(width);
        ComputationGraph graph = Networks.build(spec);
        Path bundle = dir.resolve("serving-unet-w" + width + "-" + size + ".zip");
        ModelBundle.of(graph, spec, SegmentationDataset.CLASS_NAMES, Map.of(), "bench").save(bundle);
        byte[] image = petPng(dir, size);
        double loadStart = load();
        System.out.printf("Model: U-Net width %d, input %dx%2$d, %,d parameters; image: %d-byte %2$dx%2$d PNG; "
                + "%d s per measurement after a warm-up of at least %d s, until the JIT was quiet; %d cores; load average %.1f; batching on: max batch %d, "
                + "%d single-threaded copies%n", width, size, graph.numParams(), image.length, seconds, warmUp,
                Runtime.getRuntime().availableProcessors(), loadStart, maxBatch, INSTANCES);

        // The forward pass the service runs (the bundle's Predictor), per batch size, measured just
        // before and just after the concurrency-8 rounds the service is held against.
        Predictor predictor = new Predictor(ModelBundle.load(bundle));
        List<Predictor> copies = new ArrayList<>(List.of(predictor));
        while (copies.size() < INSTANCES) {
            copies.add(predictor.copy());
        }
        double[][] ways = new double[2][MAX_BATCH + 1];
        double[] rawSecondsPerBatch = new double[MAX_BATCH + 1];

        Map<Integer, Measurement> on = new LinkedHashMap<>();
        Map<Integer, Measurement> off = new LinkedHashMap<>();
        Map<String, Measurement> tensors = new LinkedHashMap<>();
        byte[][] kserve = kserveBodies(image);
        Loader loader = new Loader(dir);
        byte[] segment = Service.segment(image);
        List<Integer> limits = new ArrayList<>();
        Measurement bare = null;
        Map<Integer, Double> p99Spread = new LinkedHashMap<>();
        // Two rounds with the services started in opposite orders: two services in one JVM are not
        // equally fast (the first started ran slower in an A/A trial of identical services), so each
        // mode gets each place once and the bias cancels.
        for (boolean onFirst : new boolean[] {true, false}) {
            try (Service first = Service.start(bundle, onFirst ? maxBatch : 1, INSTANCES, loader);
                 Service second = Service.start(bundle, onFirst ? 1 : maxBatch, INSTANCES, loader)) {
                Service batching = onFirst ? first : second;
                Service single = onFirst ? second : first;
                ServedModel served = batching.app().getBean(ModelHolder.class).require();
                limits.add(Math.min(maxBatch, served.batchLimit()));
                System.out.printf("batching service (round %d): its load timed one copy, images/s by batch size %s: "
                        + "batches of at most %d%n", limits.size(), served.batchProfile().map(p -> p.bySize().toString())
                        .orElse("(not timed)"), limits.get(limits.size() - 1));
                if (onFirst) {
                    // The first minute of load still compiles (C2 took a twelfth of the CPU 40 s in,
                    // and 3% 75 s in): both services in turn, then the tensor requests, in cycles
                    // until the compilers are quiet.
                    byte[][] tensorRequests = {Service.infer(kserve[0], null),
                        Service.infer(kserve[1], new String(kserve[2], StandardCharsets.US_ASCII))};
                    JitWarmUp.untilQuiet(() -> {
                        try {
                            batching.load(segment, 8, WARM_UP_SLICE);
                            single.load(segment, 8, WARM_UP_SLICE);
                            for (byte[] request : tensorRequests) {
                                batching.load(request, 8, WARM_UP_SLICE / 4);
                            }
                        } catch (Exception e) {
                            throw new IllegalStateException("the warm-up's load failed", e);
                        }
                    }, (long) (warmUp * 1e9), (long) (WARM_UP_LIMIT * 1e9));
                }
                measureSegment(batching, single, segment, copies, seconds / 2.0, on, off, p99Spread, rawSecondsPerBatch,
                        ways);
                if (!onFirst) {
                    measureTensors(batching, kserve, seconds, tensors);
                    byte[] model = Service.get("/api/model");
                    batching.load(model, 8, 1);
                    bare = batching.load(model, 8, seconds / 2.0);
                }
            }
        }
        // One copy leaves a core to the requests, as a machine with more cores than copies would: the
        // same service and load, against one single-threaded copy's raw pass.
        Measurement oneCopy;
        double[] oneCopyRaw = new double[MAX_BATCH + 1];
        try (Service service = Service.start(bundle, maxBatch, 1, loader)) {
            double[] before = oneCopyRawSecondsPerBatch(predictor, Math.max(1, seconds / 8));
            service.load(segment, 8, 2);
            oneCopy = service.load(segment, 8, seconds);
            double[] after = oneCopyRawSecondsPerBatch(predictor, Math.max(1, seconds / 8));
            for (int b = 1; b <= MAX_BATCH; b++) {
                oneCopyRaw[b] = (before[b] + after[b]) / 2;
            }
        }
        StringBuilder raw = new StringBuilder("raw forward pass (the service's Predictor), images/s by batch size:");
        String[] wayNames = {"one pass at a time on every core:", INSTANCES + " single-threaded copies side by side:"};
        for (int w = 0; w < 2; w++) {
            raw.append(String.format("%n  %-40s", wayNames[w]));
            for (int b = 1; b <= MAX_BATCH; b++) {
                raw.append(String.format(" b=%d %.1f", b, ways[w][b]));
            }
        }
        System.out.println(raw);

        System.out.printf("%nPOST /api/segment, %dx%1$d PNG -> PNG mask%n", size);
        System.out.printf("%5s %10s %10s %8s %8s | %8s %8s %8s %8s | %s%n", "conc", "on req/s", "off req/s", "on/off",
                "goal", "on p50", "on p99", "off p50", "off p99", "p99 on <= off");
        for (int c : CONCURRENCY) {
            Measurement a = on.get(c);
            Measurement b = off.get(c);
            double ratio = a.perSecond() / b.perSecond();
            String goal = c == 1 ? ">=0.95" : c == 32 ? ">=1.50" : "-";
            boolean met = c == 1 ? ratio >= 0.95 : c != 32 || ratio >= 1.5;
            System.out.printf("%5d %10.1f %10.1f %7.2fx %8s | %8.1f %8.1f %8.1f %8.1f | %s%n", c, a.perSecond(),
                    b.perSecond(), ratio, goal + (met ? " ok" : " MISS"), a.p50(), a.p99(), b.p50(), b.p99(),
                    a.p99() <= b.p99() ? "ok" : String.format("MISS (+%.1f ms)", a.p99() - b.p99()));
        }
        System.out.printf("p99 of one slice against the other slice of the same mode and round, the largest difference "
                + "(the noise a p99 comparison stands in): %s%n", p99Spread.entrySet().stream()
                .map(e -> String.format("%.1f ms at concurrency %d", e.getValue(), e.getKey())).toList());
        long errors = 0;
        for (Measurement m : on.values()) {
            errors += m.errors();
        }
        for (Measurement m : off.values()) {
            errors += m.errors();
        }
        System.out.printf("errors: %d%n", errors);
        // At concurrency 32 both modes keep both copies busy: off at batch 1, on at its largest batch. A
        // service that cost nothing beside its passes would get the raw pass's ratio of the two.
        int limit = limits.stream().mapToInt(Integer::intValue).max().orElse(maxBatch);
        System.out.printf("on/off at concurrency 32 with no cost beside the passes: the raw pass of %d single-threaded "
                + "copies at batch %d (the largest batch formed) over batch 1, %.1f / %.1f images/s = %.2fx; at their "
                + "best batch up to %d, %.2fx%n", INSTANCES, limit, ways[1][limit], ways[1][1], ways[1][limit] / ways[1][1],
                MAX_BATCH, Arrays.stream(ways[1]).max().orElseThrow() / ways[1][1]);

        System.out.printf("%nconcurrency 8, batching on, PNG in and out:%n");
        againstRawPass(on.get(8), rawSecondsPerBatch, INSTANCES);

        System.out.printf("%nconcurrency 8, batching on, PNG in and out, one copy of the model (a core left to the requests,"
                + " as on a machine with more cores than copies):%n");
        againstRawPass(oneCopy, oneCopyRaw, 1);

        System.out.printf("%nPOST /v2/models/segmentation/infer, [1,3,%d,%1$d] FP32 -> mask, batching on%n", size);
        System.out.printf("%5s %-8s %11s %9s %9s %9s %8s%n", "conc", "tensors", "request B", "req/s", "p50 ms", "p99 ms",
                "errors");
        for (int c : new int[] {1, 8}) {
            for (String format : new String[] {"json", "binary"}) {
                Measurement m = tensors.get(format + c);
                System.out.printf("%5d %-8s %,11d %9.1f %9.1f %9.1f %8d%n", c, format,
                        kserve["json".equals(format) ? 0 : 1].length, m.perSecond(), m.p50(), m.p99(), m.errors());
            }
            System.out.printf("%5d binary/json req/s: %.2fx%n", c, tensors.get("binary" + c).perSecond()
                    / tensors.get("json" + c).perSecond());
        }
        System.out.printf("%nconcurrency 8, batching on, binary tensors in and out (no image to decode or encode):%n");
        againstRawPass(tensors.get("binary8"), rawSecondsPerBatch, INSTANCES);
        System.out.printf("%nrequest-side CPU per image outside the forward pass (one thread, in a loop), %d-byte "
                + "%dx%2$d PNG -> PNG mask%n", image.length, size);
        String[] names = {"probe + decode", "prepare (input tensor)", "postprocess (mask)", "encode (mask PNG)"};
        // After the load, whose requests ran the same code: measured before it, the stages ran
        // partly in C1's code, and decoding took 0.46-0.58 ms instead of about 0.2.
        double[] stages = stageMillis(image, predictor);
        double total = 0;
        for (int i = 0; i < names.length; i++) {
            System.out.printf("  %-24s %6.3f ms%n", names[i], stages[i]);
            total += stages[i];
        }
        System.out.printf("  %-24s %6.3f ms  vs forward pass %.3f ms per image at batch 4 (%.3f at batch 1)%n", "total",
                total, rawSecondsPerBatch[4] / 4 * 1000, rawSecondsPerBatch[1] * 1000);
        budget(on.get(8), tensors.get("binary8"), bare, total, rawSecondsPerBatch);
        double[] stacking = stackingAB(predictor, image);
        System.out.printf("%nstacking 4 images for a pass on one thread, as a batch worker does: Nd4j.concat %.3f ms, bulk copy"
                + " (Batches.stack) %.3f ms; the pass after it %.2f and %.2f ms (alternating blocks of 10)%n",
                stacking[0], stacking[2], stacking[1], stacking[3]);
        double[] beside = interference(predictor, image, Math.max(2, seconds / 2));
        System.out.printf("%nforward pass at batch 4: %.1f images/s alone, %.1f beside one thread decoding this PNG in a"
                + " loop at the same priority (%.2fx; that thread used %.0f%% of a core)%n", beside[0], beside[1],
                beside[1] / beside[0], 100 * beside[2]);
        System.out.printf("%nload average at start %.1f, at end %.1f (%d cores): figures move with other work on "
                + "the machine%n", loadStart, load(), Runtime.getRuntime().availableProcessors());
        loader.close();
        System.exit(0);
    }

    /**
     * One round of {@code POST /api/segment} at each concurrency, batching on and off in the order
     * A, B, B, A (both modes see the same drift of the machine's load), added to {@code on} and
     * {@code off}; at concurrency 8 the raw forward pass is timed just before and just after, and
     * averaged into {@code rawSecondsPerBatch}.
     */
    private static void measureSegment(Service batching, Service single, byte[] request, List<Predictor> copies,
            double seconds, Map<Integer, Measurement> on, Map<Integer, Measurement> off, Map<Integer, Double> p99Spread,
            double[] rawSecondsPerBatch, double[][] ways) throws Exception {
        for (int c : CONCURRENCY) {
            batching.load(request, c, 1);
            single.load(request, c, 1);
            double[][] waysBefore = new double[2][MAX_BATCH + 1];
            double[] before = c == 8 ? rawSecondsPerBatch(copies, Math.max(1, (int) seconds / 8), waysBefore) : null;
            // A lone client sends the fewest requests, and its p99 is read from them: three times as long.
            double slice = (c == 1 ? 3 : 1) * seconds / 2.0;
            Measurement a1 = batching.load(request, c, slice);
            Measurement b1 = single.load(request, c, slice);
            Measurement b2 = single.load(request, c, slice);
            Measurement a2 = batching.load(request, c, slice);
            Measurement onRound = a1.and(a2);
            Measurement offRound = b1.and(b2);
            p99Spread.merge(c, Math.max(Math.abs(a1.p99() - a2.p99()), Math.abs(b1.p99() - b2.p99())), Math::max);
            on.merge(c, onRound, Measurement::and);
            off.merge(c, offRound, Measurement::and);
            System.out.printf("concurrency %2d: batching on %.1f req/s (%d batches held back), off %.1f req/s%n", c,
                    onRound.perSecond(), onRound.waits(), offRound.perSecond());
            if (before != null) {
                double[][] waysAfter = new double[2][MAX_BATCH + 1];
                double[] after = rawSecondsPerBatch(copies, Math.max(1, (int) seconds / 8), waysAfter);
                for (int b = 1; b <= MAX_BATCH; b++) {
                    double round = (before[b] + after[b]) / 2;
                    rawSecondsPerBatch[b] = rawSecondsPerBatch[b] == 0 ? round : (rawSecondsPerBatch[b] + round) / 2;
                    for (int w = 0; w < 2; w++) {
                        double wayRound = (waysBefore[w][b] + waysAfter[w][b]) / 2;
                        ways[w][b] = ways[w][b] == 0 ? wayRound : (ways[w][b] + wayRound) / 2;
                    }
                }
            }
        }
    }

    /** KServe infer as JSON and as binary tensors, J, B, B, J at concurrency 1 and 8, batching on. */
    private static void measureTensors(Service batching, byte[][] kserve, double seconds,
            Map<String, Measurement> tensors) throws Exception {
        byte[] json = Service.infer(kserve[0], null);
        byte[] binary = Service.infer(kserve[1], new String(kserve[2], StandardCharsets.US_ASCII));
        for (int c : new int[] {1, 8}) {
            batching.load(json, c, 1);
            batching.load(binary, c, 1);
            Measurement j1 = batching.load(json, c, seconds / 2.0);
            Measurement b1 = batching.load(binary, c, seconds / 2.0);
            Measurement b2 = batching.load(binary, c, seconds / 2.0);
            Measurement j2 = batching.load(json, c, seconds / 2.0);
            tensors.put("json" + c, j1.and(j2));
            tensors.put("binary" + c, b1.and(b2));
        }
    }

    /**
     * The batches a measurement's passes formed, and its images/s against the raw forward pass's at
     * those batch sizes (goal 0.9x): the raw time of each batch size, weighted by how many batches of
     * that size ran. Then where the difference goes: passes slower than alone (the cores shared with
     * HTTP and the requests' own work), or a worker waiting for requests. {@code copies} of the model
     * ran the passes, and the raw pass is charged the CPU of as many cores.
     */
    private static void againstRawPass(Measurement m, double[] rawSecondsPerBatch, int copies) {
        long images = m.images();
        double rawSeconds = rawSeconds(m, rawSecondsPerBatch);
        StringBuilder sizes = new StringBuilder();
        for (int b = 1; b <= MAX_BATCH; b++) {
            if (m.batches()[b] > 0) {
                sizes.append(String.format(" %dx%d", m.batches()[b], b));
            }
        }
        double rawRate = images / rawSeconds;
        System.out.printf("  batches formed (count x size):%s; mean %.2f images per pass%n", sizes,
                images / (double) Arrays.stream(m.batches()).sum());
        System.out.printf("  service %.1f images/s vs raw forward pass %.1f images/s at those batch sizes: %.2fx "
                + "(goal >=0.90 %s)%n", m.perSecond(), rawRate, m.perSecond() / rawRate,
                m.perSecond() / rawRate >= 0.9 ? "ok" : "MISS");
        System.out.printf("  the %d workers ran passes %.0f%% of their time%n", copies,
                100 * m.forwardSeconds() / m.seconds() / copies);
        System.out.printf("  CPU per image: the service's process %.2f ms, of which the raw pass would take %.2f ms"
                + " on %d cores; the load generator's process %.2f ms%n", 1000 * m.cpuSeconds() / images,
                1000 * rawSeconds * copies / images, copies, 1000 * m.clientCpuSeconds() / images);
        double[] threads = m.threadCpuSeconds();
        double java = Arrays.stream(threads).sum();
        StringBuilder split = new StringBuilder();
        for (ThreadKind group : ThreadKind.values()) {
            split.append(String.format(" %s %.2f,", group.label, 1000 * threads[group.ordinal()] / images));
        }
        System.out.printf("  the service's process by thread, ms per image:%s the JVM's own (JIT, GC) %.2f%n", split,
                1000 * (m.cpuSeconds() - java) / images);
    }

    /** Elapsed seconds the raw pass takes for the batches {@code m} formed, on every core. */
    private static double rawSeconds(Measurement m, double[] rawSecondsPerBatch) {
        double seconds = 0;
        for (int b = 1; b <= MAX_BATCH; b++) {
            seconds += m.batches()[b] * rawSecondsPerBatch[b];
        }
        return seconds;
    }

    /**
     * What 0.9x of the raw pass leaves for everything else at concurrency 8, against what the PNG and
     * binary requests spent and against two floors measured in this run: a request that neither
     * decodes an image nor runs a pass ({@code GET /api/model}, at concurrency 8 on otherwise idle
     * cores), and the PNG request's own stages in a hot loop. Both floors are lower than under load,
     * where each stage runs in caches the passes have just used.
     */
    private static void budget(Measurement png, Measurement binary, Measurement bare, double stagesMillis,
            double[] rawSecondsPerBatch) {
        // Charged as againstRawPass charges it: the raw pass's elapsed time on as many cores as copies.
        int cores = INSTANCES;
        double passMillis = 1000 * rawSeconds(png, rawSecondsPerBatch) * cores / png.images();
        double budget = passMillis / 0.9 - passMillis;
        double bareService = 1000 * bare.cpuSeconds() / bare.latencies().length;
        double bareClient = 1000 * bare.clientCpuSeconds() / bare.latencies().length;
        System.out.printf("%nthe budget for 0.9x at concurrency 8: the raw pass takes %.2f ms of CPU per image at the PNG"
                + " run's batch sizes, so 0.9x leaves %.2f ms per image for everything else on the %d cores%n",
                passMillis, budget, cores);
        for (Measurement m : new Measurement[] {png, binary}) {
            double beside = 1000 * (m.cpuSeconds() - rawSeconds(m, rawSecondsPerBatch) * cores + m.clientCpuSeconds())
                    / m.images();
            System.out.printf("  spent beside the pass, the load generator's CPU included: %s %.2f ms per image%n",
                    m == png ? "PNG   " : "binary", beside);
        }
        System.out.printf("  floors: a request without image or pass (GET /api/model at concurrency 8, %.0f req/s) %.2f ms"
                + " of the service's CPU and %.2f of the load generator's; the PNG request's stages in a hot loop %.2f ms;"
                + " the PNG request's floor %.2f ms against the budget of %.2f%n", bare.perSecond(), bareService,
                bareClient, stagesMillis, bareService + bareClient + stagesMillis, budget);
    }

    /** The bench process's Java threads, by what they do in a service. */
    private enum ThreadKind {
        WORKERS("batch workers (passes, stacking, splitting)"),
        REQUESTS("request threads (HTTP, decoding, encoding)"),
        IO("HTTP poller and acceptor"),
        OTHER("other Java threads");

        final String label;

        ThreadKind(String label) {
            this.label = label;
        }

        static ThreadKind of(String name) {
            if (name.startsWith("inference-batcher-")) {
                return WORKERS;
            }
            if (name.contains("-exec-")) {
                return REQUESTS;
            }
            return name.contains("Poller") || name.contains("Acceptor") ? IO : OTHER;
        }
    }

    /**
     * CPU seconds the process's Java threads have used so far, by {@link ThreadKind} (both services'
     * threads: the idle one's add almost nothing while the other is measured). The process's CPU
     * beyond them is the JVM's own threads (compilers, collectors), which the platform MXBean does
     * not list.
     */
    private static double[] threadCpuSeconds() {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        double[] seconds = new double[ThreadKind.values().length];
        for (ThreadInfo info : threads.getThreadInfo(threads.getAllThreadIds())) {
            if (info != null) {
                seconds[ThreadKind.of(info.getThreadName()).ordinal()] +=
                        Math.max(0, threads.getThreadCpuTime(info.getThreadId())) / 1e9;
            }
        }
        return seconds;
    }

    private static double[] sum(double[] a, double[] b) {
        double[] sum = a.clone();
        for (int i = 0; i < sum.length; i++) {
            sum[i] += b[i];
        }
        return sum;
    }

    /** CPU seconds this whole process (client, service, forward passes) has used so far. */
    private static double processCpuSeconds() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime() / 1e9;
    }

    private static double load() {
        return ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    }

    /** A generated pet, scaled to {@code size} x {@code size}, as PNG. */
    private static byte[] petPng(Path dir, int size) throws Exception {
        Path pets = dir.resolve("pets");
        SyntheticPets.Result result = SyntheticPets.generate(pets, 4, 5);
        BufferedImage source = ImageIO.read(pets.resolve("images").resolve(result.trainval().get(0) + ".jpg").toFile());
        BufferedImage scaled = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
        scaled.getGraphics().drawImage(source.getScaledInstance(size, size, Image.SCALE_SMOOTH), 0, 0, null);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(scaled, "png", out);
        return out.toByteArray();
    }

    /** The same image as a KServe JSON request and as a binary one (header, then little-endian FP32). */
    private static byte[][] kserveBodies(byte[] png) throws Exception {
        RgbImage rgb = ImageDecoder.decode(png);
        int w = rgb.width();
        int h = rgb.height();
        float[] values = new float[3 * w * h];
        for (int i = 0; i < values.length; i++) {
            int p = i % (w * h);
            values[i] = rgb.get(p % w, p / w, i / (w * h)) / 255f;
        }
        String shape = "[1,3," + h + "," + w + "]";
        StringBuilder json = new StringBuilder("{\"inputs\":[{\"name\":\"input\",\"shape\":").append(shape)
                .append(",\"datatype\":\"FP32\",\"data\":[");
        for (int i = 0; i < values.length; i++) {
            json.append(i == 0 ? "" : ",").append(values[i]);
        }
        json.append("]}],\"outputs\":[{\"name\":\"mask\"}]}");
        byte[] header = ("{\"inputs\":[{\"name\":\"input\",\"shape\":" + shape + ",\"datatype\":\"FP32\","
                + "\"parameters\":{\"binary_data_size\":" + values.length * 4 + "}}],"
                + "\"outputs\":[{\"name\":\"mask\",\"parameters\":{\"binary_data\":true}}]}")
                .getBytes(StandardCharsets.UTF_8);
        ByteBuffer binary = ByteBuffer.allocate(header.length + values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        binary.put(header).asFloatBuffer().put(values);
        return new byte[][] {json.toString().getBytes(StandardCharsets.UTF_8), binary.array(),
                Integer.toString(header.length).getBytes(StandardCharsets.US_ASCII)};
    }

    /**
     * Milliseconds of this thread's CPU per image for each request-side stage: probe and decode,
     * prepare, postprocess, encode; each stage repeated, after a warm-up, on the same inputs.
     */
    private static double[] stageMillis(byte[] png, Predictor predictor) throws Exception {
        ImagePreprocessor preprocessor = new ImagePreprocessor(predictor.spec().inputSize());
        MaskEncoder encoder = new MaskEncoder();
        RgbImage rgb = ImageDecoder.decode(png, ImagePreprocessor.DEFAULT_MAX_PIXELS);
        INDArray probabilities = predictor.probabilities(preprocessor.prepare(rgb).input());
        ClassMask mask = MaskPostprocessor.toMask(probabilities, rgb.width(), rgb.height());
        List<ThrowingRunnable> stages = List.of(
                () -> ImageDecoder.decode(png, ImagePreprocessor.DEFAULT_MAX_PIXELS),
                () -> preprocessor.prepare(rgb).input().close(),
                () -> MaskPostprocessor.toMask(probabilities, rgb.width(), rgb.height()),
                () -> encoder.png(mask));
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        double[] millis = new double[stages.size()];
        for (int s = 0; s < millis.length; s++) {
            for (int i = 0; i < 300; i++) {
                stages.get(s).run();
            }
            int runs = 1000;
            long start = threads.getCurrentThreadCpuTime();
            for (int i = 0; i < runs; i++) {
                stages.get(s).run();
            }
            millis[s] = (threads.getCurrentThreadCpuTime() - start) / 1e6 / runs;
        }
        return millis;
    }

    /**
     * The raw pass at batch 4 alone and beside one thread that decodes {@code png} without pause,
     * as request threads do between passes on a busy service, A, B, B, A: {alone images/s, beside
     * images/s, the share of a core the decoding thread used}. A pass is split evenly over ND4J's threads, so a
     * core shared with other work slows all of it.
     */
    private static double[] interference(Predictor predictor, byte[] png, int seconds) throws Exception {
        int size = predictor.spec().inputSize();
        INDArray input = Nd4j.rand(4, 3, size, size);
        AtomicBoolean decoding = new AtomicBoolean();
        AtomicBoolean done = new AtomicBoolean();
        Thread decoder = new Thread(() -> {
            try {
                while (!done.get()) {
                    if (decoding.get()) {
                        ImageDecoder.decode(png, ImagePreprocessor.DEFAULT_MAX_PIXELS);
                    } else {
                        Thread.sleep(1);
                    }
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, "bench-decoder");
        decoder.start();
        double[] images = new double[2];
        double[] elapsed = new double[2];
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long decoderCpu = 0;
        for (boolean beside : new boolean[] {false, true, true, false}) {
            decoding.set(beside);
            long cpuBefore = threads.getThreadCpuTime(decoder.getId());
            long start = System.nanoTime();
            long end = start + seconds * 500_000_000L;
            while (System.nanoTime() < end) {
                predictor.probabilities(input).close();
                images[beside ? 1 : 0] += 4;
            }
            elapsed[beside ? 1 : 0] += (System.nanoTime() - start) / 1e9;
            decoderCpu += beside ? threads.getThreadCpuTime(decoder.getId()) - cpuBefore : 0;
        }
        done.set(true);
        decoder.join();
        input.close();
        return new double[] {images[0] / elapsed[0], images[1] / elapsed[1], decoderCpu / 1e9 / elapsed[1]};
    }

    /**
     * Milliseconds to stack four prepared images and of the pass after it, with {@code Nd4j.concat}
     * and with {@link Batches#stack}, in alternating blocks on one single-threaded thread as a batch
     * worker runs: {concat stack, pass after it, bulk stack, pass after it}. The passes say whether
     * the faster stacking only moves time into the pass.
     */
    private static double[] stackingAB(Predictor predictor, byte[] png) throws Exception {
        ImagePreprocessor preprocessor = new ImagePreprocessor(predictor.spec().inputSize());
        RgbImage rgb = ImageDecoder.decode(png, ImagePreprocessor.DEFAULT_MAX_PIXELS);
        List<INDArray> inputs = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            inputs.add(preprocessor.prepare(rgb).input());
        }
        double[] nanos = new double[4];
        int[] counted = new int[2];
        Thread runner = new Thread(() -> {
            OpenMpThreads.setForThisThread(1);
            for (int i = 0; i < 240; i++) {
                int way = (i / 10) % 2;
                long start = System.nanoTime();
                INDArray stacked = way == 0 ? Nd4j.concat(0, inputs.toArray(INDArray[]::new)) : Batches.stack(inputs);
                long stackedAt = System.nanoTime();
                INDArray out = predictor.probabilities(stacked);
                long end = System.nanoTime();
                stacked.close();
                out.close();
                if (i >= 40) {
                    nanos[2 * way] += stackedAt - start;
                    nanos[2 * way + 1] += end - stackedAt;
                    counted[way]++;
                }
            }
        });
        runner.start();
        runner.join();
        return new double[] {nanos[0] / counted[0] / 1e6, nanos[1] / counted[0] / 1e6,
            nanos[2] / counted[1] / 1e6, nanos[3] / counted[1] / 1e6};
    }

    /** A stage of a request, which may throw what decoding throws. */
    private interface ThrowingRunnable {
        void run() throws Exception;
    }

    /**
     * Seconds per forward pass at each batch size 1..{@link #MAX_BATCH} (index 0 unused), the faster
     * of two ways to use the machine: one pass at a time on ND4J's default threads (every core), or
     * {@link #INSTANCES} single-threaded copies side by side, as the service runs them (then the time
     * per pass is the elapsed time over all copies' passes). {@code ways} gets the images/s of each.
     */
    private static double[] rawSecondsPerBatch(List<Predictor> copies, int seconds, double[][] ways) throws Exception {
        double[] perBatch = new double[MAX_BATCH + 1];
        for (int b = 1; b <= MAX_BATCH; b++) {
            double one = passesPerSecond(copies.subList(0, 1), b, 0, seconds);
            double side = passesPerSecond(copies, b, 1, seconds);
            ways[0][b] = b * one;
            ways[1][b] = b * side;
            perBatch[b] = 1 / Math.max(one, side);
        }
        return perBatch;
    }

    /** Seconds per forward pass at each batch size of one single-threaded copy, alone on the machine. */
    private static double[] oneCopyRawSecondsPerBatch(Predictor copy, int seconds) throws Exception {
        double[] perBatch = new double[MAX_BATCH + 1];
        for (int b = 1; b <= MAX_BATCH; b++) {
            perBatch[b] = 1 / passesPerSecond(List.of(copy), b, 1, seconds);
        }
        return perBatch;
    }

    /** Passes per second of batch {@code b}, all copies running at once, each on {@code threads} OpenMP threads (0: ND4J's default). */
    private static double passesPerSecond(List<Predictor> copies, int b, int threads, int seconds) throws Exception {
        AtomicLong passes = new AtomicLong();
        // The window opens when every copy has warmed up: a shape's first passes build its primitives,
        // which for a wide model at batch 8 took longer than a whole window and left it without a pass.
        long[] start = new long[1];
        CyclicBarrier warm = new CyclicBarrier(copies.size(), () -> start[0] = System.nanoTime());
        List<Thread> runners = new ArrayList<>();
        for (Predictor copy : copies) {
            Thread runner = new Thread(() -> {
                if (threads > 0) {
                    OpenMpThreads.setForThisThread(threads);
                }
                int size = copy.spec().inputSize();
                INDArray input = Nd4j.rand(b, 3, size, size);
                for (int i = 0; i < 3; i++) {
                    copy.probabilities(input).close();
                }
                try {
                    warm.await();
                } catch (InterruptedException | BrokenBarrierException e) {
                    throw new IllegalStateException(e);
                }
                long end = start[0] + seconds * 1_000_000_000L;
                while (System.nanoTime() < end) {
                    copy.probabilities(input).close();
                    passes.incrementAndGet();
                }
                input.close();
            });
            runners.add(runner);
            runner.start();
        }
        for (Thread runner : runners) {
            runner.join();
        }
        return passes.get() / ((System.nanoTime() - start[0]) / 1e9);
    }

    /**
     * The load generator's process ({@link LoadClient}), on this JVM's classpath: a request is
     * handed to it as a file of its bytes, and it answers with the latencies.
     */
    private static final class Loader implements AutoCloseable {

        private final Process process;
        private final BufferedWriter commands;
        private final BufferedReader answers;
        private final Path dir;
        private final Map<byte[], Path> files = new IdentityHashMap<>();

        Loader(Path dir) throws IOException {
            this.dir = dir;
            process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx1g",
                    "-cp", System.getProperty("java.class.path"), LoadClient.class.getName())
                    .redirectError(ProcessBuilder.Redirect.INHERIT).start();
            commands = new BufferedWriter(new OutputStreamWriter(process.getOutputStream(), StandardCharsets.US_ASCII));
            answers = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.US_ASCII));
        }

        /** {errors, client CPU seconds, elapsed seconds, latencies ns...} of one load. */
        double[] load(int port, byte[] request, int concurrency, double seconds) throws IOException {
            Path file = files.get(request);
            if (file == null) {
                file = Files.write(dir.resolve("request-" + files.size() + ".http"), request);
                files.put(request, file);
            }
            commands.write(String.format("load %d %s %d %.3f%n", port, file, concurrency, seconds));
            commands.flush();
            String answer = answers.readLine();
            if (answer == null || !answer.startsWith("ok ")) {
                throw new IllegalStateException("the load generator answered " + answer);
            }
            return Arrays.stream(answer.substring(3).split(" ")).mapToDouble(Double::parseDouble).toArray();
        }

        @Override
        public void close() throws Exception {
            commands.write("quit\n");
            commands.flush();
            process.waitFor(10, TimeUnit.SECONDS);
            process.destroy();
        }
    }

    /** One in-process inference service, loaded by the {@link Loader}. */
    private record Service(ConfigurableApplicationContext app, int port, DynamicBatcher batcher, MeterRegistry meters,
                           Loader loader) implements AutoCloseable {

        static Service start(Path bundle, int maxBatch, int instances, Loader loader) throws Exception {
            ConfigurableApplicationContext app = new SpringApplicationBuilder(InferenceServiceApplication.class)
                    .properties(Map.of("logging.level.root", "WARN")).run("--server.port=0",
                            "--inference.bundle-path=" + bundle, "--inference.max-batch-size=" + maxBatch,
                            "--inference.instances=" + instances,
                            "--inference.max-batch-delay=5ms", "--inference.queue-capacity=64",
                            "--server.tomcat.threads.max=64");
            int port = Integer.parseInt(app.getEnvironment().getProperty("local.server.port"));
            Service service = new Service(app, port, app.getBean(DynamicBatcher.class), app.getBean(MeterRegistry.class),
                    loader);
            service.awaitReady();
            return service;
        }

        /** The whole HTTP/1.1 request of a segment call: head and PNG. */
        static byte[] segment(byte[] png) {
            return request("/api/segment", "Content-Type: image/png\r\n", png);
        }

        /** The whole HTTP/1.1 request of a GET. */
        static byte[] get(String path) {
            return ("GET " + path + " HTTP/1.1\r\nHost: localhost\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        }

        /** The whole HTTP/1.1 request of a KServe infer call; {@code headerLength} null for JSON. */
        static byte[] infer(byte[] body, String headerLength) {
            return request("/v2/models/segmentation/infer", headerLength == null ? "Content-Type: application/json\r\n"
                    : "Content-Type: application/octet-stream\r\nInference-Header-Content-Length: " + headerLength
                    + "\r\n", body);
        }

        private static byte[] request(String path, String headers, byte[] body) {
            byte[] head = ("POST " + path + " HTTP/1.1\r\nHost: localhost\r\n" + headers + "Content-Length: "
                    + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
            byte[] request = Arrays.copyOf(head, head.length + body.length);
            System.arraycopy(body, 0, request, head.length, body.length);
            return request;
        }

        private void awaitReady() throws Exception {
            HttpClient client = HttpClient.newHttpClient();
            for (int i = 0; i < 600; i++) {
                HttpResponse<Void> r = client.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port
                        + "/readyz")).build(), HttpResponse.BodyHandlers.discarding());
                if (r.statusCode() == 200) {
                    return;
                }
                Thread.sleep(100);
            }
            throw new IllegalStateException("service not ready");
        }

        /** Seconds the batcher's worker has spent in forward passes so far. */
        private double forwardSeconds() {
            return meters.get("inference.batch.forward").timer().totalTime(TimeUnit.SECONDS);
        }

        private long waits() {
            return (long) meters.get("inference.batch.waits").counter().count();
        }

        /** {@code concurrency} clients sending {@code request} back to back for {@code seconds}. */
        Measurement load(byte[] request, int concurrency, double seconds) throws Exception {
            long[] before = batcher.batchesBySize();
            long waitsBefore = waits();
            double forwardBefore = forwardSeconds();
            double cpuBefore = processCpuSeconds();
            double[] threadCpuBefore = threadCpuSeconds();
            double[] answer = loader.load(port, request, concurrency, seconds);
            long[] after = batcher.batchesBySize();
            long[] batches = new long[MAX_BATCH + 1];
            for (int b = 0; b < after.length; b++) {
                batches[b] = after[b] - before[b];
            }
            long[] sorted = new long[answer.length - 3];
            for (int i = 0; i < sorted.length; i++) {
                sorted[i] = (long) answer[i + 3];
            }
            Arrays.sort(sorted);
            return new Measurement(sorted, answer[2], (long) answer[0], batches, waits() - waitsBefore,
                    forwardSeconds() - forwardBefore, processCpuSeconds() - cpuBefore,
                    sum(threadCpuSeconds(), Arrays.stream(threadCpuBefore).map(x -> -x).toArray()),
                    answer[1]);
        }

        @Override
        public void close() {
            app.close();
        }
    }

    private static double percentile(long[] sorted, double p) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1)] / 1e6;
    }
}
