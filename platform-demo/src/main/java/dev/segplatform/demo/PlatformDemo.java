package dev.segplatform.demo;

import dev.segplatform.core.dataset.SyntheticPets;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import tools.jackson.databind.JsonNode;

/**
 * The platform's main job, through the gateway's REST API only: trains U-Net, PSPNet and ICNet as
 * runs of one experiment with live progress, runs a small tuning study, prints the study's
 * comparison table, registers the best network as a version of {@code pets} with the alias
 * {@code production}, and segments a sample image with the model that alias names into a mask and an
 * overlay.
 *
 * <pre>PLATFORM_API_KEY=KEY java -jar platform-demo.jar --gateway URL [--size quick|default|full] [--out DIR]
 *     [--dataset PATH] [--progress auto|bars|lines]</pre>
 * The key comes from the environment, not the command line, where every local user could read it.
 * {@code --progress}: bars redrawn in place on a terminal, one line per epoch elsewhere; {@code auto}
 * decides by the console, but bin/platform passes what its own standard output is, which the JVM
 * cannot always tell.
 */
public final class PlatformDemo {

    private static final List<String> MODELS = List.of("unet", "pspnet", "icnet");

    /**
     * How big the demo trains: quick for CI, default for about ten minutes on 2 cores, full for the
     * real thing. The default is the smallest recipe measured to give a U-Net whose mask covers the
     * whole pet (docs/architecture.md, "The demo's size"). The study's trials train fewer epochs than
     * the three runs: a search on a smaller budget, as tuners commonly do, that keeps the demo short.
     */
    record Size(String name, int imageSize, int images, int epochs, int batchSize, int width, double learningRate,
                int trials, int trialEpochs) {
        static Size of(String name) {
            return switch (name) {
                case "quick" -> new Size(name, 32, 60, 2, 8, 8, 0.01, 2, 2);
                case "default" -> new Size(name, 64, 600, 14, 16, 16, 0.003, 3, 4);
                case "full" -> new Size(name, 128, 2000, 20, 16, 16, 0.01, 12, 20);
                default -> throw new IllegalArgumentException("--size must be quick, default or full");
            };
        }
    }

    private final GatewayApi api;
    private final Size size;
    private final Path out;
    private final String dataset;
    private final ProgressView progress;
    private final PrintStream console = System.out;

    PlatformDemo(GatewayApi api, Size size, Path out, String dataset, ProgressView progress) {
        this.api = api;
        this.size = size;
        this.out = out;
        this.dataset = dataset;
        this.progress = progress;
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = new LinkedHashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            options.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        }
        String apiKey = System.getenv("PLATFORM_API_KEY");
        if (!options.containsKey("gateway") || apiKey == null || apiKey.isBlank()) {
            System.err.println("usage: PLATFORM_API_KEY=KEY platform-demo --gateway URL [--size quick|default|full] "
                    + "[--out DIR] [--dataset PATH] [--progress auto|bars|lines]");
            System.exit(2);
        }
        PlatformDemo demo = new PlatformDemo(new GatewayApi(URI.create(options.get("gateway")), apiKey),
                Size.of(options.getOrDefault("size", "default")), Path.of(options.getOrDefault("out", "demo-output")),
                options.get("dataset"), ProgressView.of(options.getOrDefault("progress", "auto"),
                        ProgressView.onTerminal(), System.out));
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
            runs.put(model, api.post("/api/experiments/" + experimentId + "/runs", runBody(model, size.epochs()))
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

    private String runBody(String model, int epochs) {
        String data = dataset == null
                ? "{\"type\": \"synthetic\", \"count\": %d, \"seed\": 1}".formatted(size.images())
                : "{\"type\": \"oxford-pet\", \"path\": \"%s\"}".formatted(dataset);
        return """
                {"name": "%s-%s", "tags": {"source": "demo"},
                 "spec": {"model": "%s", "epochs": %d, "batchSize": %d, "learningRate": %s, "imageSize": %d,
                          "width": %d, "seed": 7, "dataset": %s}}"""
                .formatted(model, size.name(), model, epochs, size.batchSize(), size.learningRate(), size.imageSize(),
                        size.width(), data);
    }

    /** Polls the runs until all have ended, showing their progress as {@link #progress} says. */
    private void watch(Map<String, Long> runs) throws InterruptedException {
        Map<String, List<ProgressView.Epoch>> epochs = new LinkedHashMap<>();
        while (true) {
            boolean running = false;
            List<ProgressView.RunState> states = new ArrayList<>();
            for (var run : runs.entrySet()) {
                JsonNode view = api.get("/api/runs/" + run.getValue()).ok();
                String status = view.get("status").asString();
                running |= status.equals("QUEUED") || status.equals("RUNNING");
                List<ProgressView.Epoch> finished = epochs.getOrDefault(run.getKey(), List.of());
                long logged = view.path("metrics").path("val_mean_iou").path("step").asLong(0);
                if (logged > (finished.isEmpty() ? 0 : finished.get(finished.size() - 1).number())) {
                    finished = epochs(run.getValue());
                    epochs.put(run.getKey(), finished);
                }
                states.add(state(run.getKey(), view, finished));
            }
            progress.show(states);
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

    /**
     * The run's finished epochs from its metric histories. Every epoch is logged in one batch, so an
     * epoch in the validation history is in the loss history too, provided the loss history is read
     * after it: read the other way round, an epoch logged between the two reads showed a loss of NaN.
     */
    List<ProgressView.Epoch> epochs(long runId) {
        // A resumed run may log its checkpoint's epoch again; one entry per step.
        Map<Long, Double> iou = new TreeMap<>();
        for (JsonNode point : api.get("/api/runs/" + runId + "/metrics/val_mean_iou").ok().path("history")) {
            iou.put(point.get("step").asLong(), point.get("value").asDouble());
        }
        Map<Long, Double> loss = new TreeMap<>();
        for (JsonNode point : api.get("/api/runs/" + runId + "/metrics/loss").ok().path("history")) {
            loss.put(point.get("step").asLong(), point.get("value").asDouble());
        }
        List<ProgressView.Epoch> epochs = new ArrayList<>();
        iou.forEach((step, value) -> epochs.add(
                new ProgressView.Epoch(step.intValue(), loss.getOrDefault(step, Double.NaN), value)));
        return epochs;
    }

    static ProgressView.RunState state(String model, JsonNode run, List<ProgressView.Epoch> finished) {
        String status = run.get("status").asString();
        JsonNode progress = run.path("progress");
        int epochs = progress.path("epochs").asInt(run.path("spec").path("epochs").asInt(0));
        double fraction = 0;
        if (status.equals("SUCCEEDED")) {
            fraction = 1;
        } else if (progress.isObject()) {
            long steps = progress.path("stepsPerEpoch").asLong(1) * Math.max(1, epochs);
            fraction = Math.min(1.0, progress.path("step").asLong(0) / (double) steps);
        }
        return new ProgressView.RunState(model, status.toLowerCase(Locale.ROOT), epochs, fraction,
                Math.round(progress.path("etaSeconds").asDouble(0)), finished);
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
                        runBody("unet", size.trialEpochs()).replaceAll("(?s)^.*\"spec\": (\\{.*\\})\\}$", "$1"),
                        size.trials());
        GatewayApi.Reply created = api.post("/api/studies", body);
        if (created.status() == 404) {
            console.println("\nTuning study: skipped (this platform has no tuning API yet)");
            return;
        }
        long studyId = created.ok().get("id").asLong();
        console.printf("%nTuning study %d: %d trials of U-Net over learning rate and batch size, %d epochs each "
                + "(TPE, median pruning)%n", studyId, size.trials(), size.trialEpochs());
        JsonNode study;
        Set<Integer> reported = new HashSet<>();
        do {
            Thread.sleep(1000);
            study = api.get("/api/studies/" + studyId).ok();
            for (JsonNode trial : study.path("trials")) {
                String state = trial.path("state").asString("");
                if (!state.equals("QUEUED") && !state.equals("RUNNING") && reported.add(trial.path("number").asInt())) {
                    console.println("  " + StudyReport.trialEnded(trial, StudyReport.metric(study)));
                }
            }
        } while (study.get("status").asString().equals("RUNNING"));
        console.println("  " + StudyReport.status(study));
        console.println();
        StudyReport.table(study, "  ").forEach(console::println);
        console.println(StudyReport.best(study));
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
        String name = image.getFileName().toString();
        GatewayApi.Reply mask = api.postImage("/api/segment", name, "image/jpeg", bytes);
        GatewayApi.Reply overlay = api.postImage("/api/segment?format=overlay", name, "image/jpeg", bytes);
        GatewayApi.Reply summary = api.postImage("/api/segment?format=json", name, "image/jpeg", bytes);
        if (mask.status() != 200 || overlay.status() != 200 || summary.status() != 200) {
            throw new IllegalStateException("segmentation answered " + mask.status() + " / " + overlay.status()
                    + " / " + summary.status());
        }
        Files.write(out.resolve("mask.png"), mask.raw().body());
        Files.write(out.resolve("overlay.png"), overlay.raw().body());
        String stem = name.substring(0, name.lastIndexOf('.'));
        double petIou = SamplePetIou.of(mask.raw().body(),
                pets.resolve("annotations").resolve("trimaps").resolve(stem + ".png"));
        segmented(name, model, summary.body(), petIou).forEach(console::println);
    }

    /**
     * What the served model made of the sample: which model, where the images are, how much of each
     * class, and how well its pet matches the sample's trimap ({@link SamplePetIou}). The model is the one that answered ({@code summary.model}): inference may swap in a
     * better run between calls, and then {@code model}'s ranking belongs to another run.
     */
    List<String> segmented(String image, JsonNode model, JsonNode summary, double petIou) {
        List<String> lines = new ArrayList<>();
        lines.add("");
        JsonNode served = summary.path("model");
        String rank = model.path("rankValue").isNumber() && model.path("runId").asString("").equals(served.path("runId").asString())
                ? String.format(Locale.ROOT, ", %s %.3f", model.path("rankMetric").asString(), model.path("rankValue").asDouble())
                : "";
        lines.add("Segmented %s (%d x %d px) with run %s's %s (model version %d%s):".formatted(image,
                summary.path("width").asInt(), summary.path("height").asInt(), served.path("runId").asString(),
                served.path("architecture").asString(), served.path("version").asLong(), rank));
        JsonNode registered = model.path("registeredModel");
        if (registered.isObject() && model.path("runId").asString("").equals(served.path("runId").asString())) {
            lines.add("  served as %s version %d (alias %s)".formatted(registered.path("name").asString(),
                    registered.path("version").asInt(), registered.path("alias").asString()));
        }
        lines.add("  mask:    " + out.resolve("mask.png").toAbsolutePath());
        lines.add("  overlay: " + out.resolve("overlay.png").toAbsolutePath());
        TextTable classes = new TextTable("class", "pixels", "share");
        JsonNode names = summary.path("classNames");
        for (int c = 0; c < names.size(); c++) {
            classes.row(names.get(c).asString(), Long.toString(summary.path("pixelCounts").path(c).asLong()),
                    String.format(Locale.ROOT, "%.1f%%", 100 * summary.path("fractions").path(c).asDouble()));
        }
        lines.addAll(classes.lines("  "));
        lines.add(String.format(Locale.ROOT, "  pet IoU against the sample's trimap: %.3f", petIou));
        return lines;
    }
}
