package dev.segplatform.core.dataset;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

/**
 * Train and validation sets loaded from an Oxford-IIIT Pet folder, plus what was skipped.
 *
 * <p>Use {@link #load} on the real download, or {@link #loadOrGenerate} to get a synthetic set
 * written in the same layout first (then read by the same reader).
 */
public record PetData(SegmentationDataset train, SegmentationDataset validation, LoadReport report) {

    /**
     * Reads {@code root} with the split described by {@code options}.
     *
     * @throws IOException if a needed list file is missing or no training example could be loaded;
     *                     the message names the folder
     */
    public static PetData load(Path root, PetDataOptions options) throws IOException {
        OxfordPetReader reader = new OxfordPetReader(root);
        List<String> trainNames = limit(names(reader.readList("trainval.txt")), options.maxImages(), options.seed());
        List<String> validationNames;
        if (options.validationFraction() > 0) {
            List<String> shuffled = new ArrayList<>(trainNames);
            Collections.shuffle(shuffled, new Random(options.seed()));
            int n = (int) Math.round(shuffled.size() * options.validationFraction());
            if (shuffled.size() >= 2) {
                n = Math.max(1, Math.min(n, shuffled.size() - 1));
            }
            Set<String> validationSet = new HashSet<>(shuffled.subList(0, n));
            // Keep list-file order inside each part so datasets do not depend on the shuffle's order.
            validationNames = trainNames.stream().filter(validationSet::contains).toList();
            trainNames = trainNames.stream().filter(name -> !validationSet.contains(name)).toList();
        } else {
            validationNames = limit(names(reader.readList("test.txt")), options.maxImages(), options.seed());
        }
        OxfordPetReader.Loaded train = reader.load(trainNames, options.imageSize());
        OxfordPetReader.Loaded validation = reader.load(validationNames, options.imageSize());
        LoadReport report = train.report().plus(validation.report());
        if (train.samples().isEmpty()) {
            String why = report.reasons().isEmpty() ? "the list is empty"
                    : String.join("; ", report.reasons().subList(0, Math.min(3, report.reasons().size())));
            throw new IOException("no usable training image in " + root.toAbsolutePath() + " (" + trainNames.size()
                    + " listed, " + train.report().skipped() + " skipped: " + why + ")");
        }
        return new PetData(SegmentationDataset.of(options.imageSize(), train.samples()),
                SegmentationDataset.of(options.imageSize(), validation.samples()), report);
    }

    /**
     * Generates {@code count} synthetic pets with {@code seed} into {@code dir} unless it already
     * holds {@code annotations/trainval.txt}, then {@link #load}s it. An existing folder is reused
     * as is, whatever count and seed made it.
     */
    public static PetData loadOrGenerate(Path dir, int count, long seed, PetDataOptions options) throws IOException {
        if (!Files.isRegularFile(new OxfordPetReader(dir).listFile("trainval.txt"))) {
            SyntheticPets.generate(dir, count, seed);
        }
        return load(dir, options);
    }

    private static List<String> names(List<OxfordPetReader.ListEntry> entries) {
        return entries.stream().map(OxfordPetReader.ListEntry::name).toList();
    }

    /** A seeded sample of {@code max} names in list order: the lists are sorted by breed, so a prefix would be one breed. */
    private static List<String> limit(List<String> names, int max, long seed) {
        if (max == 0 || names.size() <= max) {
            return names;
        }
        List<String> shuffled = new ArrayList<>(names);
        Collections.shuffle(shuffled, new Random(seed ^ 0x2545F4914F6CDD1DL));
        Set<String> kept = new HashSet<>(shuffled.subList(0, max));
        return names.stream().filter(kept::contains).toList();
    }
}
