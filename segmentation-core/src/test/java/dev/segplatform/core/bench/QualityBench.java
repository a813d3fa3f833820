package dev.segplatform.core.bench;

import dev.segplatform.core.dataset.PetData;
import dev.segplatform.core.dataset.PetDataOptions;
import dev.segplatform.core.model.Architecture;
import dev.segplatform.core.model.ClassWeights;
import dev.segplatform.core.model.Loss;
import dev.segplatform.core.model.ModelSpec;
import dev.segplatform.core.model.Optimizer;
import dev.segplatform.core.runtime.NativeBackend;
import dev.segplatform.core.train.EpochResult;
import dev.segplatform.core.train.SegmentationTrainer;
import dev.segplatform.core.train.TrainingListener;
import dev.segplatform.core.train.TrainingOptions;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@code bin/bench quality}: how well each network learns with each loss option, on the same
 * generated pets with the same recipe: validation mean IoU and border IoU per epoch, side by side,
 * then each loss's best epoch. Plain cross-entropy is the baseline the others read against.
 *
 * <p>The border class is the point: it is a few percent of the pixels, and plain cross-entropy
 * leaves it near IoU 0 for many epochs; class weights, Dice and Lovász-softmax are there to change
 * that.
 *
 * <p>Options: {@code --archs unet,pspnet,icnet}, {@code --losses ce,weighted,dice,weighted-dice,lovasz,weighted-lovasz},
 * {@code --size N} (64), {@code --pets N} (600), {@code --epochs N} (10), {@code --batch N} (16),
 * {@code --lr X} (0.003), {@code --seed N} (42; seeds the data and the weights),
 * {@code --data DIR} (where generated pets are kept, {@code target/quality-data}).
 *
 * <p>PyTorch twins ({@code torch_peer.py}) would train beside each network where torch can be
 * imported; without it the bench says they were skipped and reports DL4J alone.
 */
public final class QualityBench {

    /** A loss option as the bench names it on the command line. */
    private enum Option {
        CE("ce", Loss.CROSS_ENTROPY, false),
        WEIGHTED("weighted", Loss.CROSS_ENTROPY, true),
        DICE("dice", Loss.DICE, false),
        WEIGHTED_DICE("weighted-dice", Loss.DICE, true),
        LOVASZ("lovasz", Loss.LOVASZ, false),
        WEIGHTED_LOVASZ("weighted-lovasz", Loss.LOVASZ, true);

        final String name;
        final Loss loss;
        final boolean weighted;

        Option(String name, Loss loss, boolean weighted) {
            this.name = name;
            this.loss = loss;
            this.weighted = weighted;
        }

        static Option of(String name) {
            return Arrays.stream(values()).filter(o -> o.name.equals(name)).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("unknown loss " + name));
        }
    }

    private record Options(List<Architecture> architectures, List<Option> losses, int size, int pets, int epochs,
                           int batch, double lr, long seed, Path data) {
    }

    private QualityBench() {
    }

    public static void main(String[] args) throws Exception {
        NativeBackend.configure();
        Options o = parse(args);
        System.out.printf(Locale.ROOT, "quality: %s x %s, %d generated pets at %d px, %d epochs, batch %d, Adam %s, seed %d%n",
                o.architectures(), o.losses().stream().map(l -> l.name).toList(), o.pets(), o.size(), o.epochs(),
                o.batch(), o.lr(), o.seed());
        System.out.println(torchStatus());
        PetData pets = PetData.loadOrGenerate(o.data().resolve("pets-" + o.pets() + "-" + o.seed()), o.pets(), o.seed(),
                PetDataOptions.of(o.size()));
        long[] counts = pets.train().classPixelCounts();
        List<Double> weights = ClassWeights.medianFrequency(counts);
        System.out.printf(Locale.ROOT, "data: %d training / %d validation images; training pixels per class %s; "
                        + "median-frequency weights %s%n", pets.train().size(), pets.validation().size(),
                shares(counts, pets.train().classNames()), format(weights));
        int border = pets.train().classNames().indexOf("border");

        for (Architecture architecture : o.architectures()) {
            Map<Option, List<EpochResult>> results = new LinkedHashMap<>();
            for (Option option : o.losses()) {
                ModelSpec spec = ModelSpec.of(architecture, o.size(), pets.train().numClasses()).withSeed(o.seed())
                        .withOptimizer(Optimizer.ADAM, o.lr(), 0).withLoss(option.loss, option.weighted ? weights : null);
                List<EpochResult> epochs = new ArrayList<>();
                long start = System.nanoTime();
                new SegmentationTrainer(spec).train(pets.train(), pets.validation(),
                        TrainingOptions.of(o.epochs(), o.batch()).withTrainEvalLimit(64), new TrainingListener() {
                            @Override
                            public void onEpoch(EpochResult r) {
                                epochs.add(r);
                                System.err.printf(Locale.ROOT, "  %s %s epoch %d: val mean IoU %.3f, border IoU %.3f (%.0fs)%n",
                                        architecture.jsonName(), option.name, r.epoch() + 1, r.valMeanIou(),
                                        r.perClassIou().get(border), r.epochSeconds());
                            }
                        });
                System.err.printf(Locale.ROOT, "  %s %s trained in %.0fs%n", architecture.jsonName(), option.name,
                        (System.nanoTime() - start) / 1e9);
                results.put(option, epochs);
            }
            print(architecture, o.epochs(), results, border);
        }
    }

    private static void print(Architecture architecture, int epochs, Map<Option, List<EpochResult>> results, int border) {
        System.out.println();
        System.out.println(architecture.jsonName() + ": validation mean IoU / border IoU per epoch");
        StringBuilder header = new StringBuilder(String.format(Locale.ROOT, "%6s", "epoch"));
        results.keySet().forEach(option -> header.append(String.format(Locale.ROOT, " | %15s", option.name)));
        System.out.println(header);
        for (int e = 0; e < epochs; e++) {
            StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%6d", e + 1));
            for (List<EpochResult> rs : results.values()) {
                line.append(e < rs.size() ? String.format(Locale.ROOT, " | %6.3f / %6.3f", rs.get(e).valMeanIou(),
                        rs.get(e).perClassIou().get(border)) : String.format(Locale.ROOT, " | %15s", "-"));
            }
            System.out.println(line);
        }
        StringBuilder best = new StringBuilder(String.format(Locale.ROOT, "%6s", "best"));
        for (List<EpochResult> rs : results.values()) {
            EpochResult b = rs.stream().max((x, y) -> Double.compare(x.valMeanIou(), y.valMeanIou())).orElseThrow();
            best.append(String.format(Locale.ROOT, " | %6.3f / %6.3f", b.valMeanIou(), b.perClassIou().get(border)));
        }
        System.out.println(best + "   (the epoch of highest mean IoU, as a run with keep=best keeps)");
    }

    /** Whether PyTorch twins can run here; this bench trains DL4J only and says why twins are absent. */
    private static String torchStatus() throws InterruptedException {
        for (String python : List.of("python3", "/usr/bin/python3")) {
            if (succeeds(python, "-c", "import torch")) {
                return "pytorch twins: torch importable by " + python + ", but this bench does not train twins yet "
                        + "(torch_peer.py only times steps); DL4J only";
            }
        }
        return "pytorch twins: skipped, torch is not importable here (python3 -c 'import torch' failed); DL4J only";
    }

    private static boolean succeeds(String... command) throws InterruptedException {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            return p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        }
    }

    private static String shares(long[] counts, List<String> names) {
        long total = Arrays.stream(counts).sum();
        List<String> parts = new ArrayList<>();
        for (int c = 0; c < counts.length; c++) {
            parts.add(String.format(Locale.ROOT, "%s %.1f%%", names.get(c), 100.0 * counts[c] / total));
        }
        return String.join(", ", parts);
    }

    private static String format(List<Double> values) {
        return values.stream().map(v -> String.format(Locale.ROOT, "%.2f", v)).toList().toString();
    }

    private static Options parse(String[] args) {
        List<Architecture> architectures = List.of(Architecture.values());
        List<Option> losses = List.of(Option.CE, Option.WEIGHTED, Option.DICE);
        int size = 64;
        int pets = 600;
        int epochs = 10;
        int batch = 16;
        double lr = 0.003;
        long seed = 42;
        Path data = Path.of("target", "quality-data");
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--archs" -> architectures = Arrays.stream(args[++i].split(",")).map(s -> Architecture.valueOf(s.toUpperCase(Locale.ROOT))).toList();
                case "--losses" -> losses = Arrays.stream(args[++i].split(",")).map(Option::of).toList();
                case "--size" -> size = Integer.parseInt(args[++i]);
                case "--pets" -> pets = Integer.parseInt(args[++i]);
                case "--epochs" -> epochs = Integer.parseInt(args[++i]);
                case "--batch" -> batch = Integer.parseInt(args[++i]);
                case "--lr" -> lr = Double.parseDouble(args[++i]);
                case "--seed" -> seed = Long.parseLong(args[++i]);
                case "--data" -> data = Path.of(args[++i]);
                default -> {
                    System.err.println("usage: QualityBench [--archs unet,pspnet,icnet] [--losses ce,weighted,dice,weighted-dice,lovasz,weighted-lovasz] "
                            + "[--size N] [--pets N] [--epochs N] [--batch N] [--lr X] [--seed N] [--data DIR]");
                    System.exit(2);
                }
            }
        }
        return new Options(architectures, losses, size, pets, epochs, batch, lr, seed, data);
    }
}
