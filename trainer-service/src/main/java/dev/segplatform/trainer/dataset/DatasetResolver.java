package dev.segplatform.trainer.dataset;

import dev.segplatform.core.dataset.PetData;
import dev.segplatform.core.dataset.PetDataOptions;
import dev.segplatform.experiment.api.DatasetSpec;
import dev.segplatform.experiment.api.DatasetType;
import dev.segplatform.trainer.TrainerProperties;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import org.springframework.stereotype.Component;

/**
 * Turns a run's dataset spec into loaded data. {@code oxford-pet} reads a folder under the
 * datasets root (never outside it); {@code synthetic} is generated once per (count, seed) into the
 * work folder and reused by every later run, read back through the same reader as real data.
 */
@Component
public class DatasetResolver {

    private final TrainerProperties properties;
    private final ConcurrentHashMap<Path, ReentrantLock> generating = new ConcurrentHashMap<>();

    DatasetResolver(TrainerProperties properties) {
        this.properties = properties;
    }

    public PetData load(DatasetSpec spec, int imageSize, long splitSeed) throws IOException {
        PetDataOptions options = PetDataOptions.of(imageSize);
        if (spec.validationFraction() != null) {
            options = options.withValidationFraction(spec.validationFraction(), splitSeed);
        }
        if (spec.type() == DatasetType.OXFORD_PET) {
            return PetData.load(folder(spec.path()), options);
        }
        Path dir = properties.workDir().resolve("datasets")
                .resolve("synthetic-" + spec.count() + "-" + spec.seedOrDefault());
        // Two slots asking for the same data set must not generate into one folder at once.
        ReentrantLock lock = generating.computeIfAbsent(dir, d -> new ReentrantLock());
        lock.lock();
        try {
            return PetData.loadOrGenerate(dir, spec.count(), spec.seedOrDefault(), options);
        } finally {
            lock.unlock();
        }
    }

    private Path folder(String relative) throws IOException {
        Path root = properties.datasetsRoot().toAbsolutePath().normalize();
        Path folder = root.resolve(relative).normalize();
        if (!folder.startsWith(root)) {
            throw new IllegalArgumentException("dataset path '" + relative + "' leaves the datasets root " + root);
        }
        if (!Files.isDirectory(folder)) {
            throw new IOException("dataset folder " + folder + " does not exist (dataset.path '" + relative
                    + "' under trainer.datasets-root " + root + ")");
        }
        return folder;
    }
}
