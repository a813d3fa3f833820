package dev.segplatform.demo;

import dev.segplatform.core.dataset.SyntheticPets;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * The platform's main job, through the gateway's REST API only: trains U-Net, PSPNet and ICNet as
 * runs of one experiment with live progress, runs a small tuning study, prints the study's
 * comparison table, registers the best network as a version of {@code pets} with the alias
 * {@code production}, and segments a sample image with the model that alias names into a mask and an
 * overlay.
 *
 * <pre>PLATFORM_API_KEY=KEY java -jar platform-demo.jar --gateway URL [--size quick|default|full] [--out DIR]
 *     [--dataset PATH]</pre>
 * The key comes from the environment, not the command line, where every local user could read it.
 */
public final class PlatformDemo {

    private static final List<String> MODELS = List.of("unet", "pspnet", "icnet");

    /** How big the demo trains: quick for CI, default for a few minutes on 2 cores, full for the real thing. */
    record Size(String name, int imageSize, int images, int epochs, int batchSize, int width, int trials) {
        static Size of(String name) {
            return switch (name) {
                case "quick" -> new Size(name, 32, 60, 2, 8, 8, 2);
                case "default" -> new Size(name, 64, 240, 4, 8, 8, 4);
                case "full" -> new Size(name, 128, 2000, 20, 16, 16, 12);
                default -> throw new IllegalArgumentException("--size must be quick, default or full");
            };
        }
    }

    private final GatewayApi api;
    private final Size size;
    private final Path out;
    private final String dataset;
    private final PrintStream console = System.out;

    PlatformDemo(GatewayApi api, Size size, Path out, String dataset) {
        this.api = api;
        this.size = size;
        this.out = out;
        this.dataset = dataset;
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = new LinkedHashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            options.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        }
        String apiKey = System.getenv("PLATFORM_API_KEY");
        if (!options.containsKey("gateway") || apiKey == null || apiKey.isBlank()) {
            System.err.println("usage: PLATFORM_API_KEY=KEY platform-demo --gateway URL [--size quick|default|full] "
                    + "[--out DIR] [--dataset PATH]");
            System.exit(2);
        }
        PlatformDemo demo = new PlatformDemo(new GatewayApi(URI.create(options.get("gateway")), apiKey),
                Size.of(options.getOrDefault("size", "default")), Path.of(options.getOrDefault("out", "demo-output")),
                options.get("dataset"));
        try {
            demo.run();
        } catch (RuntimeException e) {
            System.err.println("demo failed: " + e.getMessage());
            System.exit(1);
        }
    }

    void run() throws Exception {
        Files.createDirectories(out);
        long experimentId = experiment();
        console.printf("%nTraining %s on %s (%d px, %d epochs) as runs of experiment %d%n", String.join(", ", MODELS),
                dataset == null ? size.images() + " generated pets" : "the Oxford-IIIT Pet folder " + dataset,
                size.imageSize(), size.epochs(), experimentId);
        Map<String, Long> runs = new LinkedHashMap<>();
        for (String model : MODELS) {
            runs.put(model, api.post("/api/experiments/" + experimentId + "/runs", runBody(model, size.epochs(), 0.01))
                    .ok().get("id").asLong());
        }
        watch(runs);
        study(experimentId);
        List<String> table = table(runs);
        table.forEach(console::println);
        Files.write(out.resolve("results.txt"), table);
        register(runs);
        segment();
    }

    /**
     * Promotes the best of the three networks (by validation mean IoU) on purpose, as a team would:
     * the next version of the registered model {@code pets}, with {@code production} pointing at it.
     * {@code bin/platform demo}'s inference service serves {@code models:/pets@production}.
     */
    private void register(Map<String, Long> runs) {
        String bestModel = null;
        long bestRun = -1;
        double bestIou = Double.NEGATIVE_INFINITY;
        for (var run : runs.entrySet()) {
            JsonNode view = api.get("/api/runs/" + run.getValue()).ok();
            JsonNode iou = view.path("metrics").path("val_mean_iou").path("value");
            if (view.get("status").asString().equals("SUCCEEDED") && iou.isNumber() && iou.asDouble() > bestIou) {
                bestModel = run.getKey();
                bestRun = run.getValue();
                bestIou = iou.asDouble();
            }
        }
        if (bestModel == null) {
            throw new IllegalStateException("no run succeeded with a val_mean_iou; there is nothing to register");
        }
        if (api.get("/api/2.0/mlflow/registered-models/get?name=pets").status() == 404) {
            api.post("/api/2.0/mlflow/registered-models/create", "{\"name\": \"pets\"}").ok();
        }
        String version = api.post("/api/2.0/mlflow/model-versions/create", "{\"name\": \"pets\", \"source\": \"runs:/"
                + bestRun + "/model\", \"run_id\": \"" + bestRun + "\"}").ok().get("model_version").get("version")
                .asString();
        api.post("/api/2.0/mlflow/registered-models/alias", "{\"name\": \"pets\", \"alias\": \"production\", "
                + "\"version\": \"" + version + "\"}").ok();
        console.printf("%nRegistered %s (run %d, val_mean_iou %.3f) as version %s of pets; production -> version %s%n",
                bestModel, bestRun, bestIou, version, version);
    }

    /** The demo's experiment: found by name, or created; runs of earlier demos stay in it. */
    private long experiment() {
        String name = "pets-demo";
        JsonNode found = api.get("/api/experiments?name=" + GatewayApi.encode(name)).ok().get("items");
        for (JsonNode experiment : found) {
            if (experiment.get("name").asString().equals(name)) {
                return experiment.get("id").asLong();
            }
        }
        return api.post("/api/experiments", "{\"name\":\"" + name + "\",\"description\":\"bin/platform demo\"}")
                .ok().get("id").asLong();
    }

    private String runBody(String model, int epochs, double learningRate) {
        String data = dataset == null
                ? "{\"type\": \"synthetic\", \"count\": %d, \"seed\": 1}".formatted(size.images())
                : "{\"type\": \"oxford-pet\", \"path\": \"%s\"}".formatted(dataset);
        return """
                {"name": "%s-%s", "tags": {"source": "demo"},
                 "spec": {"model": "%s", "epochs": %d, "batchSize": %d, "learningRate": %s, "imageSize": %d,
                          "width": %d, "seed": 7, "dataset": %s}}"""
                .formatted(model, size.name(), model, epochs, size.batchSize(), learningRate, size.imageSize(),
                        size.width(), data);
    }

    /** Polls the runs until all have ended, printing a progress bar per run whenever it moves. */
    private void watch(Map<String, Long> runs) throws InterruptedException {
        Map<String, String> shown = new LinkedHashMap<>();
        while (true) {
            boolean running = false;
            for (var run : runs.entrySet()) {
                JsonNode view = api.get("/api/runs/" + run.getValue()).ok();
                String status = view.get("status").asString();
                running |= status.equals("QUEUED") || status.equals("RUNNING");
                String line = progressLine(run.getKey(), view);
                if (!line.equals(shown.get(run.getKey()))) {
                    console.println(line);
                    shown.put(run.getKey(), line);
                }
            }
            if (!running) {
                break;
            }
            Thread.sleep(1000);
        }
        for (var run : runs.entrySet()) {
            JsonNode view = api.get("/api/runs/" + run.getValue()).ok();
            if (!view.get("status").asString().equals("SUCCEEDED")) {
                throw new IllegalStateException(run.getKey() + " ended " + view.get("status").asString() + ": "
                        + view.path("message").asString(""));
            }
        }
    }

    static String progressLine(String model, JsonNode run) {
        String status = run.get("status").asString();
        JsonNode progress = run.get("progress");
        if (progress == null || progress.isNull()) {
            return "  %-7s %-9s".formatted(model, status);
        }
        long steps = progress.path("stepsPerEpoch").asLong(1) * progress.path("epochs").asLong(1);
        double fraction = status.equals("SUCCEEDED") ? 1.0 : Math.min(1.0, progress.path("step").asLong(0) / (double) steps);
        int filled = (int) Math.round(fraction * 20);
        JsonNode iou = run.path("metrics").path("val_mean_iou").path("value");
        long eta = Math.round(progress.path("etaSeconds").asDouble(0));
        return "  %-7s %-9s [%s%s] %3d%%  epoch %d/%d  val_mean_iou %s  ETA %d:%02d".formatted(model, status,
                "#".repeat(filled), "-".repeat(20 - filled), Math.round(fraction * 100), progress.path("epoch").asInt(0),
                progress.path("epochs").asInt(0), iou.isMissingNode() ? "  -  " : "%.3f".formatted(iou.asDouble()),
                status.equals("SUCCEEDED") ? 0 : eta / 60, status.equals("SUCCEEDED") ? 0 : eta % 60);
    }

    /** A small tuning study over learning rate and batch size, if this platform has the tuning API. */
    private void study(long experimentId) throws InterruptedException {
        String body = """
                {"experimentId": %d, "name": "demo-study-%d", "baseSpec": %s,
                 "space": {"learningRate": {"type": "loguniform", "low": 0.0001, "high": 0.1},
                           "batchSize": {"type": "choice", "values": [8, 16]}},
                 "objective": {"metric": "val_mean_iou", "mode": "max"}, "algorithm": "tpe",
                 "maxTrials": %d, "parallelism": 1, "pruner": "median", "seed": 7}"""
                .formatted(experimentId, System.currentTimeMillis(),
                        runBody("unet", size.epochs(), 0.01).replaceAll("(?s)^.*\"spec\": (\\{.*\\})\\}$", "$1"),
                        size.trials());
        GatewayApi.Reply created = api.post("/api/studies", body);
        if (created.status() == 404) {
            console.println("\nTuning study: skipped (this platform has no tuning API yet)");
            return;
        }
        long studyId = created.ok().get("id").asLong();
        console.printf("%nTuning study %d: %d trials of U-Net over learning rate and batch size (TPE, median pruning)%n",
                studyId, size.trials());
        JsonNode study;
        String last = "";
        do {
            Thread.sleep(1000);
            study = api.get("/api/studies/" + studyId).ok();
            String line = "  study %s: %d trial(s) so far".formatted(study.get("status").asString(),
                    study.path("trials").size());
            if (!line.equals(last)) {
                console.println(line);
                last = line;
            }
        } while (study.get("status").asString().equals("RUNNING"));
        JsonNode best = study.path("bestTrial");
        console.println("  best trial: " + (best.isMissingNode() || best.isNull() ? "none" : best.toString()));
    }

    /** The study's comparison: one row per model, from each run's last epoch. */
    private List<String> table(Map<String, Long> runs) {
        List<String> rows = new ArrayList<>();
        rows.add("");
        rows.add("%-8s %14s %13s %9s %7s %8s %9s".formatted("model", "val accuracy", "val mean IoU", "val loss",
                "epochs", "minutes", "images/s"));
        for (var run : runs.entrySet()) {
            JsonNode view = api.get("/api/runs/" + run.getValue()).ok();
            JsonNode metrics = view.get("metrics");
            double minutes = Duration.between(java.time.Instant.parse(view.get("startedAt").asString()),
                    java.time.Instant.parse(view.get("endedAt").asString())).toMillis() / 60_000.0;
            rows.add(String.format(Locale.ROOT, "%-8s %14.3f %13.3f %9.3f %7d %8.2f %9.1f", run.getKey(),
                    metrics.path("val_accuracy").path("value").asDouble(), metrics.path("val_mean_iou").path("value").asDouble(),
                    metrics.path("val_loss").path("value").asDouble(), metrics.path("val_loss").path("step").asInt(),
                    minutes, metrics.path("images_per_second").path("value").asDouble()));
        }
        return rows;
    }

    /** Segments a generated pet through the gateway once the inference service has a model. */
    private void segment() throws IOException, InterruptedException {
        Path pets = SyntheticPets.generate(out.resolve("sample-pet"), 10, 99).root();
        Path image;
        try (var images = Files.list(pets.resolve("images"))) {
            image = images.sorted().findFirst().orElseThrow();
        }
        byte[] bytes = Files.readAllBytes(image);
        long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
        while (api.get("/api/model").status() != 200) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the inference service loaded no model within 3 minutes");
            }
            Thread.sleep(1000);
        }
        JsonNode model = api.get("/api/model").ok();
        GatewayApi.Reply mask = api.postImage("/api/segment", image.getFileName().toString(), "image/jpeg", bytes);
        GatewayApi.Reply overlay = api.postImage("/api/segment?format=overlay", image.getFileName().toString(),
                "image/jpeg", bytes);
        if (mask.status() != 200 || overlay.status() != 200) {
            throw new IllegalStateException("segmentation answered " + mask.status() + " / " + overlay.status());
        }
        Files.write(out.resolve("mask.png"), mask.raw().body());
        Files.write(out.resolve("overlay.png"), overlay.raw().body());
        JsonNode registered = model.path("registeredModel");
        String served = registered.isObject()
                ? registered.path("name").asString() + " version " + registered.path("version").asInt() + " ("
                        + registered.path("alias").asString() + ", run " + model.path("runId").asString() + ")"
                : model.toString().length() > 200 ? model.toString().substring(0, 200) + "..." : model.toString();
        console.printf("%nSegmented %s with %s; wrote %s and %s%n", image.getFileName(), served,
                out.resolve("mask.png").toAbsolutePath(), out.resolve("overlay.png").toAbsolutePath());
    }
}
