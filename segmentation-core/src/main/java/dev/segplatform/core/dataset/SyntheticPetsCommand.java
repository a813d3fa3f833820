package dev.segplatform.core.dataset;

import java.io.IOException;
import java.nio.file.Path;

/**
 * {@link SyntheticPets} from the command line:
 * {@code SyntheticPetsCommand --out DIR --count N [--seed S] [--test-fraction F] [--quirks]}.
 */
public final class SyntheticPetsCommand {

    private SyntheticPetsCommand() {
    }

    /** {@code --out DIR --count N [--seed S] [--test-fraction F] [--quirks]}. */
    public static void main(String[] args) throws IOException {
        Path out = null;
        int count = -1;
        long seed = 42;
        double testFraction = 0.25;
        boolean quirks = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--out" -> out = Path.of(value(args, ++i));
                case "--count" -> count = Integer.parseInt(value(args, ++i));
                case "--seed" -> seed = Long.parseLong(value(args, ++i));
                case "--test-fraction" -> testFraction = Double.parseDouble(value(args, ++i));
                case "--quirks" -> quirks = true;
                default -> usage("unknown argument " + args[i]);
            }
        }
        if (out == null || count < 1) {
            usage("--out and --count are required");
        }
        long start = System.nanoTime();
        SyntheticPets.Result result = SyntheticPets.generate(out, new SyntheticPets.Options(count, seed, testFraction, quirks));
        System.out.printf("wrote %d trainval + %d test synthetic pets to %s in %.1f s%n", result.trainval().size(),
                result.test().size(), out.toAbsolutePath(), (System.nanoTime() - start) / 1e9);
    }

    private static String value(String[] args, int i) {
        if (i >= args.length) {
            usage(args[i - 1] + " needs a value");
        }
        return args[i];
    }

    private static void usage(String problem) {
        System.err.println(problem);
        System.err.println("usage: SyntheticPetsCommand --out DIR --count N [--seed S] [--test-fraction F] [--quirks]");
        System.exit(2);
    }
}
