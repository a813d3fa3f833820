package dev.segplatform.inference.bench;

import dev.segplatform.core.bundle.ModelBundle;
import dev.segplatform.core.dataset.SegmentationDataset;
import dev.segplatform.core.dataset.SyntheticPets;
import dev.segplatform.core.model.Architecture;
import dev.segplatform.core.model.ModelSpec;
import dev.segplatform.core.model.Networks;
import dev.segplatform.core.runtime.NativeBackend;
import dev.segplatform.inference.InferenceServiceApplication;
import java.awt.Image;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import javax.imageio.ImageIO;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * {@code bin/bench serving}: requests/s and p50/p99 latency of {@code POST /api/segment} for 128x128
 * PNGs at concurrency 1, 8 and 32, with dynamic batching (max batch 8, 5 ms) and without (max batch
 * 1), beside the raw forward-pass throughput of the same graph in the same JVM at batch 1 and 8.
 * The ratios say what HTTP, decoding, queueing and encoding cost on top of the network.
 *
 * <p>The model is a U-Net of width 8 at 128 px with initial weights: speed does not depend on what
 * the weights learned. Client and service share the machine, as they would on one node.
 *
 * <p>Options: {@code --seconds N} per measurement (default 6), {@code --width W} (default 8).
 */
public final class ServingBench {

    private ServingBench() {
    }

    record Measurement(String mode, int concurrency, double perSecond, double p50, double p99, int errors) {
    }

    public static void main(String[] args) throws Exception {
        NativeBackend.configure();
        int seconds = 6;
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
        System.out.printf("Model: U-Net width %d, input 128x128, %,d parameters; image: %d-byte 128x128 PNG; "
                + "%d s per measurement; %d cores%n", width, graph.numParams(), image.length, seconds,
                Runtime.getRuntime().availableProcessors());

        double raw1 = rawImagesPerSecond(graph, 1, seconds);
        double raw8 = rawImagesPerSecond(graph, 8, seconds);
        System.out.printf("raw forward pass: %.1f images/s at batch 1, %.1f images/s at batch 8%n%n", raw1, raw8);

        List<Measurement> results = new ArrayList<>();
        results.addAll(serve("batching", bundle, image, 8, seconds));
        results.addAll(serve("no batching", bundle, image, 1, seconds));

        System.out.printf("%n%-12s %5s %9s %9s %9s %7s %12s %12s%n", "mode", "conc", "req/s", "p50 ms", "p99 ms",
                "errors", "vs raw b=1", "vs raw b=8");
        for (Measurement m : results) {
            System.out.printf("%-12s %5d %9.1f %9.1f %9.1f %7d %12.2f %12.2f%n", m.mode(), m.concurrency(),
                    m.perSecond(), m.p50(), m.p99(), m.errors(), m.perSecond() / raw1, m.perSecond() / raw8);
        }
        System.exit(0);
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

    private static double rawImagesPerSecond(ComputationGraph graph, int batch, int seconds) {
        INDArray input = Nd4j.rand(batch, 3, 128, 128);
        for (int i = 0; i < 3; i++) {
            graph.output(false, input);
        }
        long start = System.nanoTime();
        long end = start + seconds * 1_000_000_000L;
        int images = 0;
        while (System.nanoTime() < end) {
            graph.output(false, input);
            images += batch;
        }
        return images / ((System.nanoTime() - start) / 1e9);
    }

    private static List<Measurement> serve(String mode, Path bundle, byte[] image, int maxBatch, int seconds)
            throws Exception {
        List<Measurement> out = new ArrayList<>();
        try (ConfigurableApplicationContext app = new SpringApplicationBuilder(InferenceServiceApplication.class)
                .properties(Map.of("logging.level.root", "WARN")).run("--server.port=0",
                        "--inference.bundle-path=" + bundle, "--inference.max-batch-size=" + maxBatch,
                        "--inference.max-batch-delay=5ms", "--inference.queue-capacity=64",
                        "--server.tomcat.threads.max=64")) {
            URI base = URI.create("http://localhost:" + app.getEnvironment().getProperty("local.server.port"));
            HttpClient client = HttpClient.newBuilder().executor(Executors.newFixedThreadPool(8)).build();
            awaitReady(client, base);
            for (int concurrency : new int[] {1, 8, 32}) {
                load(client, base, image, concurrency, 1);
                Measurement m = load(client, base, image, concurrency, seconds);
                out.add(new Measurement(mode, concurrency, m.perSecond(), m.p50(), m.p99(), m.errors()));
                System.out.printf("%-12s concurrency %2d: %.1f req/s, p50 %.1f ms, p99 %.1f ms, %d errors%n", mode,
                        concurrency, m.perSecond(), m.p50(), m.p99(), m.errors());
            }
        }
        return out;
    }

    private static void awaitReady(HttpClient client, URI base) throws Exception {
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

    private static Measurement load(HttpClient client, URI base, byte[] image, int concurrency, int seconds)
            throws Exception {
        HttpRequest request = HttpRequest.newBuilder(base.resolve("/api/segment")).header("Content-Type", "image/png")
                .POST(HttpRequest.BodyPublishers.ofByteArray(image)).timeout(Duration.ofSeconds(60)).build();
        ExecutorService pool = Executors.newFixedThreadPool(concurrency);
        long start = System.nanoTime();
        long end = start + seconds * 1_000_000_000L;
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
        pool.shutdown();
        long[] sorted = all.stream().mapToLong(Long::longValue).toArray();
        Arrays.sort(sorted);
        return new Measurement("", concurrency, sorted.length / elapsed, percentile(sorted, 0.50),
                percentile(sorted, 0.99), errors.get());
    }

    private static double percentile(long[] sorted, double p) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1)] / 1e6;
    }
}
