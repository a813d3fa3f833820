package dev.segplatform.inference.bench;

import dev.segplatform.core.bundle.ModelBundle;
import dev.segplatform.core.bundle.Predictor;
import dev.segplatform.core.dataset.SegmentationDataset;
import dev.segplatform.core.dataset.SyntheticPets;
import dev.segplatform.core.image.ImageDecoder;
import dev.segplatform.core.image.RgbImage;
import dev.segplatform.core.model.Architecture;
import dev.segplatform.core.predict.ClassMask;
import dev.segplatform.core.predict.ImagePreprocessor;
import dev.segplatform.core.predict.MaskEncoder;
import dev.segplatform.core.predict.MaskPostprocessor;
import dev.segplatform.core.model.ModelSpec;
import dev.segplatform.core.model.Networks;
import dev.segplatform.core.runtime.NativeBackend;
import dev.segplatform.inference.InferenceServiceApplication;
import dev.segplatform.inference.batching.DynamicBatcher;
import io.micrometer.core.instrument.MeterRegistry;
import java.awt.Image;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.lang.management.ManagementFactory;
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
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
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
 *   <li>{@code POST /api/segment} of a 128x128 PNG at concurrency 1, 8 and 32, dynamic batching on
 *       (max batch 8, 5 ms) and off (max batch 1): req/s and p50/p99, the on/off throughput ratio
 *       (goal at least 0.95x at concurrency 1 and 1.5x at 32) and p99 on vs off (goal: no worse). Two
 *       rounds, the two services started in opposite orders, each mode measured in A, B, B, A slices.
 *   <li>At concurrency 8, the service's images/s against the raw forward pass (the service's own
 *       {@link Predictor}, same JVM) at the batch sizes the batcher formed meanwhile: the raw time of
 *       each batch size, weighted by how many batches of that size ran (goal at least 0.9x).
 *   <li>KServe v2 infer of the same image as a JSON tensor and as a binary tensor (mask output
 *       likewise), at concurrency 1 and 8 with batching on.
 *   <li>The CPU a segment request spends on its image outside the forward pass, by stage (header
 *       probe and decoding, preparing the input tensor, the mask from the probabilities, the mask
 *       PNG), each run in a loop on one thread of this JVM, beside the forward pass per image: on a
 *       machine with few cores every such millisecond is taken from the forward pass.
 * </ol>
 *
 * <p>The model is a U-Net of width 8 at 128 px with initial weights: speed does not depend on what
 * the weights learned. Client and service share the machine, as they would on one node; the load
 * average is printed at start and end because other work on the machine moves every figure.
 *
 * <p>Options: {@code --seconds N} per mode and measurement (default 8; three times that at
 * concurrency 1), {@code --width W} (default 8).
 */
public final class ServingBench {

    private static final int[] CONCURRENCY = {1, 8, 32};
    private static final int MAX_BATCH = 8;

    private ServingBench() {
    }

    /** Latencies (ns, sorted) of one or more rounds, the batches formed and the waits meanwhile. */
    record Measurement(long[] latencies, double seconds, int errors, long[] batches, long waits,
                       double forwardSeconds, double cpuSeconds) {

        double perSecond() {
            return latencies.length / seconds;
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
                    forwardSeconds + other.forwardSeconds, cpuSeconds + other.cpuSeconds);
        }
    }

    public static void main(String[] args) throws Exception {
        NativeBackend.configure();
        int seconds = 8;
        int width = 8;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--seconds" -> seconds = Integer.parseInt(args[++i]);
                case "--width" -> width = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        Path dir = Path.of("inference-service", "target", "bench").toAbsolutePath();
        Files.createDirectories(dir);
        ModelSpec spec = ModelSpec.of(Architecture.UNET, 128, 3).withWidth(width);
        ComputationGraph graph = Networks.build(spec);
        Path bundle = dir.resolve("serving-unet-w" + width + ".zip");
        ModelBundle.of(graph, spec, SegmentationDataset.CLASS_NAMES, Map.of(), "bench").save(bundle);
        byte[] image = petPng(dir, 128);
        double loadStart = load();
        System.out.printf("Model: U-Net width %d, input 128x128, %,d parameters; image: %d-byte 128x128 PNG; "
                + "%d s per measurement; %d cores; load average %.1f%n", width, graph.numParams(), image.length,
                seconds, Runtime.getRuntime().availableProcessors(), loadStart);

        // The forward pass the service runs (the bundle's Predictor), per batch size, measured just
        // before and just after the concurrency-8 rounds the service is held against.
        Predictor predictor = new Predictor(ModelBundle.load(bundle));
        double[] stages = stageMillis(image, predictor);
        double[] rawSecondsPerBatch = new double[MAX_BATCH + 1];

        Map<Integer, Measurement> on = new LinkedHashMap<>();
        Map<Integer, Measurement> off = new LinkedHashMap<>();
        Map<String, Measurement> tensors = new LinkedHashMap<>();
        byte[][] kserve = kserveBodies(image);
        // Two rounds with the services started in opposite orders: two services in one JVM are not
        // equally fast (the first started ran slower in an A/A trial of identical services), so each
        // mode gets each place once and the bias cancels.
        for (boolean onFirst : new boolean[] {true, false}) {
            try (Service first = Service.start(bundle, onFirst ? MAX_BATCH : 1);
                 Service second = Service.start(bundle, onFirst ? 1 : MAX_BATCH)) {
                Service batching = onFirst ? first : second;
                Service single = onFirst ? second : first;
                measureSegment(batching, single, image, predictor, seconds / 2.0, on, off, rawSecondsPerBatch);
                if (!onFirst) {
                    measureTensors(batching, kserve, seconds, tensors);
                }
            }
        }
        StringBuilder raw = new StringBuilder("raw forward pass (the service's Predictor), images/s by batch size:");
        for (int b = 1; b <= MAX_BATCH; b++) {
            raw.append(String.format(" b=%d %.1f", b, b / rawSecondsPerBatch[b]));
        }
        System.out.println(raw);

        System.out.printf("%nPOST /api/segment, 128x128 PNG -> PNG mask%n");
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
        int errors = 0;
        for (Measurement m : on.values()) {
            errors += m.errors();
        }
        for (Measurement m : off.values()) {
            errors += m.errors();
        }
        System.out.printf("errors: %d%n", errors);

        Measurement eight = on.get(8);
        long images = 0;
        double rawSeconds = 0;
        StringBuilder sizes = new StringBuilder();
        for (int b = 1; b <= MAX_BATCH; b++) {
            long count = eight.batches()[b];
            images += count * b;
            rawSeconds += count * rawSecondsPerBatch[b];
            if (count > 0) {
                sizes.append(String.format(" %dx%d", count, b));
            }
        }
        double rawRate = images / rawSeconds;
        System.out.printf("%nconcurrency 8, batching on: batches formed (count x size):%s; mean %.2f images per pass%n",
                sizes, images / (double) Arrays.stream(eight.batches()).sum());
        System.out.printf("service %.1f images/s vs raw forward pass %.1f images/s at those batch sizes: %.2fx "
                + "(goal >=0.90 %s)%n", eight.perSecond(), rawRate, eight.perSecond() / rawRate,
                eight.perSecond() / rawRate >= 0.9 ? "ok" : "MISS");
        // Where the difference goes: passes slower than alone (the cores shared with HTTP and the
        // images' own work), or a worker waiting for images.
        System.out.printf("  the worker ran passes %.0f%% of the time, each at %.2fx the speed of the raw pass at its size%n",
                100 * eight.forwardSeconds() / eight.seconds(), rawSeconds / eight.forwardSeconds());
        System.out.printf("  CPU of this process (client and service) per image: %.2f ms, of which the raw pass"
                + " would take %.2f ms on %d cores%n", 1000 * eight.cpuSeconds() / eight.latencies().length,
                1000 * rawSeconds * Runtime.getRuntime().availableProcessors() / images,
                Runtime.getRuntime().availableProcessors());

        System.out.printf("%nPOST /v2/models/segmentation/infer, [1,3,128,128] FP32 -> mask, batching on%n");
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
        System.out.printf("%nrequest-side CPU per image outside the forward pass (one thread, in a loop), %d-byte "
                + "128x128 PNG -> PNG mask%n", image.length);
        String[] names = {"probe + decode", "prepare (input tensor)", "postprocess (mask)", "encode (mask PNG)"};
        double total = 0;
        for (int i = 0; i < names.length; i++) {
            System.out.printf("  %-24s %6.3f ms%n", names[i], stages[i]);
            total += stages[i];
        }
        System.out.printf("  %-24s %6.3f ms  vs forward pass %.3f ms per image at batch 4 (%.3f at batch 1)%n", "total",
                total, rawSecondsPerBatch[4] / 4 * 1000, rawSecondsPerBatch[1] * 1000);
        System.out.printf("%nload average at start %.1f, at end %.1f (%d cores): figures move with other work on "
                + "the machine%n", loadStart, load(), Runtime.getRuntime().availableProcessors());
        System.exit(0);
    }

    /**
     * One round of {@code POST /api/segment} at each concurrency, batching on and off in the order
     * A, B, B, A (both modes see the same drift of the machine's load), added to {@code on} and
     * {@code off}; at concurrency 8 the raw forward pass is timed just before and just after, and
     * averaged into {@code rawSecondsPerBatch}.
     */
    private static void measureSegment(Service batching, Service single, byte[] image, Predictor predictor,
            double seconds, Map<Integer, Measurement> on, Map<Integer, Measurement> off, double[] rawSecondsPerBatch)
            throws Exception {
        for (int c : CONCURRENCY) {
            batching.load(batching.segment(image), c, 1);
            single.load(single.segment(image), c, 1);
            double[] before = c == 8 ? rawSecondsPerBatch(predictor, Math.max(1, (int) seconds / 4)) : null;
            // A lone client sends the fewest requests, and its p99 is read from them: three times as long.
            double slice = (c == 1 ? 3 : 1) * seconds / 2.0;
            Measurement a1 = batching.load(batching.segment(image), c, slice);
            Measurement b1 = single.load(single.segment(image), c, slice);
            Measurement b2 = single.load(single.segment(image), c, slice);
            Measurement a2 = batching.load(batching.segment(image), c, slice);
            Measurement onRound = a1.and(a2);
            Measurement offRound = b1.and(b2);
            on.merge(c, onRound, Measurement::and);
            off.merge(c, offRound, Measurement::and);
            System.out.printf("concurrency %2d: batching on %.1f req/s (%d batches held back), off %.1f req/s%n", c,
                    onRound.perSecond(), onRound.waits(), offRound.perSecond());
            if (before != null) {
                double[] after = rawSecondsPerBatch(predictor, Math.max(1, (int) seconds / 4));
                for (int b = 1; b <= MAX_BATCH; b++) {
                    double round = (before[b] + after[b]) / 2;
                    rawSecondsPerBatch[b] = rawSecondsPerBatch[b] == 0 ? round : (rawSecondsPerBatch[b] + round) / 2;
                }
            }
        }
    }

    /** KServe infer as JSON and as binary tensors, J, B, B, J at concurrency 1 and 8, batching on. */
    private static void measureTensors(Service batching, byte[][] kserve, double seconds,
            Map<String, Measurement> tensors) throws Exception {
        HttpRequest json = batching.infer(kserve[0], null);
        HttpRequest binary = batching.infer(kserve[1], new String(kserve[2], StandardCharsets.US_ASCII));
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
        ImagePreprocessor preprocessor = new ImagePreprocessor(128);
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

    /** A stage of a request, which may throw what decoding throws. */
    private interface ThrowingRunnable {
        void run() throws Exception;
    }

    /** Seconds per forward pass at each batch size 1..{@link #MAX_BATCH} (index 0 unused). */
    private static double[] rawSecondsPerBatch(Predictor predictor, int seconds) {
        double[] perBatch = new double[MAX_BATCH + 1];
        for (int b = 1; b <= MAX_BATCH; b++) {
            INDArray input = Nd4j.rand(b, 3, 128, 128);
            for (int i = 0; i < 3; i++) {
                predictor.probabilities(input).close();
            }
            long start = System.nanoTime();
            long end = start + seconds * 1_000_000_000L;
            int passes = 0;
            while (System.nanoTime() < end) {
                predictor.probabilities(input).close();
                passes++;
            }
            perBatch[b] = (System.nanoTime() - start) / 1e9 / passes;
            input.close();
        }
        return perBatch;
    }

    /** One in-process inference service and a client for it. */
    private record Service(ConfigurableApplicationContext app, URI base, HttpClient client, DynamicBatcher batcher,
                           MeterRegistry meters) implements AutoCloseable {

        static Service start(Path bundle, int maxBatch) throws Exception {
            ConfigurableApplicationContext app = new SpringApplicationBuilder(InferenceServiceApplication.class)
                    .properties(Map.of("logging.level.root", "WARN")).run("--server.port=0",
                            "--inference.bundle-path=" + bundle, "--inference.max-batch-size=" + maxBatch,
                            "--inference.max-batch-delay=5ms", "--inference.queue-capacity=64",
                            "--server.tomcat.threads.max=64");
            URI base = URI.create("http://localhost:" + app.getEnvironment().getProperty("local.server.port"));
            HttpClient client = HttpClient.newBuilder().executor(Executors.newFixedThreadPool(8)).build();
            Service service = new Service(app, base, client, app.getBean(DynamicBatcher.class),
                    app.getBean(MeterRegistry.class));
            service.awaitReady();
            return service;
        }

        HttpRequest segment(byte[] png) {
            return HttpRequest.newBuilder(base.resolve("/api/segment")).header("Content-Type", "image/png")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(png)).timeout(Duration.ofSeconds(60)).build();
        }

        /** A KServe infer request; {@code headerLength} null for JSON. */
        HttpRequest infer(byte[] body, String headerLength) {
            HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve("/v2/models/segmentation/infer"))
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body)).timeout(Duration.ofSeconds(60));
            if (headerLength == null) {
                b.header("Content-Type", "application/json");
            } else {
                b.header("Content-Type", "application/octet-stream").header("Inference-Header-Content-Length",
                        headerLength);
            }
            return b.build();
        }

        private void awaitReady() throws Exception {
            for (int i = 0; i < 600; i++) {
                HttpResponse<Void> r = client.send(HttpRequest.newBuilder(base.resolve("/readyz")).build(),
                        HttpResponse.BodyHandlers.discarding());
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
        Measurement load(HttpRequest request, int concurrency, double seconds) throws Exception {
            ExecutorService pool = Executors.newFixedThreadPool(concurrency);
            long[] before = batcher.batchesBySize();
            long waitsBefore = waits();
            double forwardBefore = forwardSeconds();
            double cpuBefore = processCpuSeconds();
            long start = System.nanoTime();
            long end = start + (long) (seconds * 1e9);
            AtomicInteger errors = new AtomicInteger();
            List<Future<List<Long>>> futures = new ArrayList<>();
            for (int c = 0; c < concurrency; c++) {
                futures.add(pool.submit(() -> {
                    List<Long> latencies = new ArrayList<>();
                    while (System.nanoTime() < end) {
                        long t = System.nanoTime();
                        HttpResponse<byte[]> r = client.send(request, HttpResponse.BodyHandlers.ofByteArray());
                        if (r.statusCode() != 200) {
                            errors.incrementAndGet();
                        }
                        latencies.add(System.nanoTime() - t);
                    }
                    return latencies;
                }));
            }
            List<Long> all = new ArrayList<>();
            for (Future<List<Long>> f : futures) {
                all.addAll(f.get());
            }
            double elapsed = (System.nanoTime() - start) / 1e9;
            long[] after = batcher.batchesBySize();
            long[] batches = new long[MAX_BATCH + 1];
            for (int b = 0; b < after.length; b++) {
                batches[b] = after[b] - before[b];
            }
            pool.shutdown();
            long[] sorted = all.stream().mapToLong(Long::longValue).toArray();
            Arrays.sort(sorted);
            return new Measurement(sorted, elapsed, errors.get(), batches, waits() - waitsBefore,
                    forwardSeconds() - forwardBefore, processCpuSeconds() - cpuBefore);
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
