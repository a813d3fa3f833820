package dev.segplatform.core.dataset;

import dev.segplatform.core.image.ImageDecoder;
import dev.segplatform.core.image.RgbImage;
import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Reads the Oxford-IIIT Pet layout ({@code images/<name>.jpg}, {@code annotations/trimaps/<name>.png},
 * {@code annotations/trainval.txt}, {@code annotations/test.txt}) into preprocessed samples.
 *
 * <p>It knows nothing about synthetic data: the generator writes the same layout. An example whose
 * image or trimap cannot be read, whose trimap size differs from the image, or whose trimap holds
 * a value other than 1, 2, 3 is skipped and reported; it never fails the whole load.
 */
public final class OxfordPetReader {

    /** One line of a list file: {@code Image CLASS-ID SPECIES BREED-ID}; missing ids are -1. */
    public record ListEntry(String name, int classId, int species, int breedId) {
    }

    /** Samples that loaded, and the report of those that did not. */
    public record Loaded(List<SegmentationDataset.Sample> samples, LoadReport report) {
    }

    private final Path root;

    public OxfordPetReader(Path root) {
        this.root = root;
    }

    public Path root() {
        return root;
    }

    public Path listFile(String fileName) {
        return root.resolve("annotations").resolve(fileName);
    }

    public Path imageFile(String name) {
        return root.resolve("images").resolve(name + ".jpg");
    }

    public Path trimapFile(String name) {
        return root.resolve("annotations").resolve("trimaps").resolve(name + ".png");
    }

    /**
     * The entries of {@code annotations/<fileName>}, skipping blank lines and {@code #} comments.
     *
     * @throws NoSuchFileException naming the data folder when the list file is missing
     */
    public List<ListEntry> readList(String fileName) throws IOException {
        Path file = listFile(fileName);
        if (!Files.isRegularFile(file)) {
            throw new NoSuchFileException(file.toString(), null,
                    "no " + fileName + " in " + root.toAbsolutePath() + "; is this an Oxford-IIIT Pet folder?");
        }
        List<ListEntry> entries = new ArrayList<>();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            String trimmed = line.strip();
            if (trimmed.isEmpty() || trimmed.startsWith("#")) {
                continue;
            }
            String[] f = trimmed.split("\\s+");
            entries.add(new ListEntry(f[0], number(f, 1), number(f, 2), number(f, 3)));
        }
        return entries;
    }

    private static int number(String[] fields, int i) {
        if (i >= fields.length) {
            return -1;
        }
        try {
            return Integer.parseInt(fields[i]);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /**
     * Decodes and preprocesses the named examples to {@code imageSize}, in parallel, keeping the
     * order of {@code names} among those that load.
     */
    public Loaded load(List<String> names, int imageSize) {
        List<Object> results = IntStream.range(0, names.size()).parallel()
                .mapToObj(i -> loadOne(names.get(i), imageSize))
                .toList();
        List<SegmentationDataset.Sample> samples = new ArrayList<>();
        List<String> reasons = new ArrayList<>();
        for (Object r : results) {
            if (r instanceof SegmentationDataset.Sample s) {
                samples.add(s);
            } else {
                reasons.add((String) r);
            }
        }
        return new Loaded(samples, new LoadReport(samples.size(), reasons.size(), reasons));
    }

    /** A sample, or the reason (a String) why not. */
    private Object loadOne(String name, int imageSize) {
        Path imageFile = imageFile(name);
        Path trimapFile = trimapFile(name);
        if (!Files.isRegularFile(imageFile)) {
            return name + ": image " + imageFile.getFileName() + " is missing";
        }
        if (!Files.isRegularFile(trimapFile)) {
            return name + ": trimap " + trimapFile.getFileName() + " is missing";
        }
        RgbImage image;
        try {
            image = ImageDecoder.decode(imageFile);
        } catch (IOException | RuntimeException e) {
            return name + ": image unreadable (" + e.getMessage() + ")";
        }
        Raster trimap;
        try {
            BufferedImage t = ImageDecoder.read(Files.readAllBytes(trimapFile));
            trimap = t.getRaster();
        } catch (IOException | RuntimeException e) {
            return name + ": trimap unreadable (" + e.getMessage() + ")";
        }
        if (trimap.getWidth() != image.width() || trimap.getHeight() != image.height()) {
            return name + ": trimap is " + trimap.getWidth() + "x" + trimap.getHeight() + " but the image is "
                    + image.width() + "x" + image.height();
        }
        // Band 0 holds the value for gray trimaps; for palette PNGs it holds the index, which is the value.
        int[] values = trimap.getSamples(0, 0, trimap.getWidth(), trimap.getHeight(), 0, (int[]) null);
        try {
            return PetPreprocessing.sample(name, image, values, imageSize);
        } catch (IllegalArgumentException e) {
            return name + ": " + e.getMessage();
        }
    }
}
