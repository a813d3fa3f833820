package dev.segplatform.core.train;

import dev.segplatform.core.dataset.PetData;
import dev.segplatform.core.dataset.PetDataOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * The synthetic pets the learning tests share: generated once into {@code target/} (reused by
 * later runs of the same build directory) and loaded once per JVM and image size.
 */
final class LearningData {

    /** 300 training and 100 validation pictures (the generator puts a quarter in test.txt). */
    static final int COUNT = 400;
    static final long SEED = 2024;
    private static final Path DIR = Path.of("target", "test-data", "synthetic-pets-" + COUNT + "-" + SEED);
    private static final Map<Integer, PetData> BY_SIZE = new HashMap<>();

    private LearningData() {
    }

    static synchronized PetData pets(int imageSize) {
        return BY_SIZE.computeIfAbsent(imageSize, size -> {
            try {
                return PetData.loadOrGenerate(DIR, COUNT, SEED, PetDataOptions.of(size));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }
}
