package dev.segplatform.core.dataset;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;

/**
 * Writes synthetic "pets" in exactly the Oxford-IIIT Pet layout, because the real data set cannot be
 * downloaded here and every test and demo needs data that the real reader accepts unchanged:
 *
 * <pre>
 * DIR/images/&lt;Name&gt;.jpg              RGB JPEG, 100..300 px per side
 * DIR/annotations/trimaps/&lt;Name&gt;.png   8-bit gray PNG: 1 = pet, 2 = background, 3 = border
 * DIR/annotations/trainval.txt        "Name CLASS-ID SPECIES BREED-ID", '#' comments first
 * DIR/annotations/test.txt
 * </pre>
 *
 * <p>Each picture is a textured background and one animal-like shape ({@link PetPainter}). The
 * trimap marks a 2 or 4 px band straddling the outline as border, like the real trimaps.
 *
 * <p>Everything derives from the seed: the same seed and count give byte-identical files.
 * With {@code quirks}, a few images are grayscale JPEGs or PNGs named {@code .jpg}, as in the
 * real download.
 *
 * <p>This class is the layout (names, list files, image and trimap files); {@link PetPainter} draws each
 * picture and {@link SyntheticPetsCommand} is the command line.
 */
public final class SyntheticPets {

    /** What to generate. {@code testFraction} of the images (rounded) go to {@code test.txt}. */
    public record Options(int count, long seed, double testFraction, boolean quirks) {

        public Options {
            if (count < 1) {
                throw new IllegalArgumentException("count must be at least 1, got " + count);
            }
            if (!(testFraction >= 0 && testFraction < 1)) {
                throw new IllegalArgumentException("testFraction must be in [0, 1), got " + testFraction);
            }
        }

        /** {@code count} images, a quarter of them for test, no quirks. */
        public static Options of(int count, long seed) {
            return new Options(count, seed, 0.25, false);
        }

        public Options withTestFraction(double fraction) {
            return new Options(count, seed, fraction, quirks);
        }

        public Options withQuirks(boolean on) {
            return new Options(count, seed, testFraction, on);
        }
    }

    /** The names written to each list file, sorted as the real files are. */
    public record Result(Path root, List<String> trainval, List<String> test) {
    }

    private SyntheticPets() {
    }

    /** Generates {@code count} images with a quarter for test into {@code root}. */
    public static Result generate(Path root, int count, long seed) throws IOException {
        return generate(root, Options.of(count, seed));
    }

    /** Generates the data set into {@code root}, creating folders and overwriting same-named files. */
    public static Result generate(Path root, Options options) throws IOException {
        Path images = root.resolve("images");
        Path trimaps = root.resolve("annotations").resolve("trimaps");
        Files.createDirectories(images);
        Files.createDirectories(trimaps);

        Random naming = new Random(options.seed());
        Map<PetBreed, Integer> perBreed = new HashMap<>();
        List<Entry> entries = new ArrayList<>();
        for (int i = 0; i < options.count(); i++) {
            PetBreed breed = PetBreed.ALL.get(naming.nextInt(PetBreed.ALL.size()));
            int n = perBreed.merge(breed, 1, Integer::sum);
            entries.add(new Entry(breed.name() + "_" + n, breed, i));
        }
        // One generator per image, so images are independent of each other and of the drawing order,
        // which lets them be drawn in parallel and still come out identical.
        try {
            entries.parallelStream().forEach(e -> {
                Random r = new Random(mix(options.seed(), e.index()));
                PetPainter.Picture picture = PetPainter.draw(r, e.breed());
                Quirk quirk = options.quirks() ? Quirk.pick(r) : Quirk.NONE;
                try {
                    writeImage(picture, quirk, 0.80f + 0.15f * r.nextFloat(), images.resolve(e.name() + ".jpg"));
                    writeTrimap(picture, trimaps.resolve(e.name() + ".png"));
                } catch (IOException ex) {
                    throw new UncheckedIOException(ex);
                }
            });
        } catch (UncheckedIOException ex) {
            throw ex.getCause();
        }

        List<Entry> shuffled = new ArrayList<>(entries);
        Collections.shuffle(shuffled, new Random(options.seed() ^ 0x5DEECE66DL));
        int testCount = (int) Math.round(options.count() * options.testFraction());
        List<Entry> test = new ArrayList<>(shuffled.subList(0, testCount));
        List<Entry> trainval = new ArrayList<>(shuffled.subList(testCount, shuffled.size()));
        writeList(root.resolve("annotations").resolve("trainval.txt"), trainval);
        writeList(root.resolve("annotations").resolve("test.txt"), test);
        return new Result(root, names(trainval), names(test));
    }

    private record Entry(String name, PetBreed breed, int index) {
    }

    private enum Quirk {
        NONE, GRAYSCALE, PNG_NAMED_JPG;

        static Quirk pick(Random r) {
            double p = r.nextDouble();
            return p < 0.04 ? GRAYSCALE : p < 0.07 ? PNG_NAMED_JPG : NONE;
        }
    }

    private static List<String> names(List<Entry> entries) {
        return entries.stream().map(Entry::name).sorted(NAME_ORDER).toList();
    }

    // The real list files are sorted by breed, then by number.
    private static final Comparator<String> NAME_ORDER = Comparator
            .comparing((String n) -> n.substring(0, n.lastIndexOf('_')))
            .thenComparingInt(n -> Integer.parseInt(n.substring(n.lastIndexOf('_') + 1)));

    private static void writeList(Path file, List<Entry> entries) throws IOException {
        List<Entry> sorted = new ArrayList<>(entries);
        sorted.sort(Comparator.comparing(Entry::name, NAME_ORDER));
        StringBuilder sb = new StringBuilder();
        sb.append("#Image CLASS-ID SPECIES BREED ID\n");
        sb.append("#ID: 1:37 Class ids\n");
        sb.append("#SPECIES: 1:Cat 2:Dog\n");
        sb.append("#BREED ID: 1-25:Dog 1:12:Cat\n");
        sb.append("#All images with 1st letter as captial are cat images\n");
        sb.append("#images with small first letter are dog images\n");
        for (Entry e : sorted) {
            sb.append(e.name()).append(' ').append(e.breed().classId()).append(' ').append(e.breed().species())
                    .append(' ').append(e.breed().breedId()).append('\n');
        }
        Files.writeString(file, sb.toString(), StandardCharsets.US_ASCII);
    }

    private static void writeImage(PetPainter.Picture p, Quirk quirk, float quality, Path file) throws IOException {
        int type = quirk == Quirk.GRAYSCALE ? BufferedImage.TYPE_BYTE_GRAY : BufferedImage.TYPE_INT_RGB;
        BufferedImage image = new BufferedImage(p.width(), p.height(), type);
        if (quirk == Quirk.GRAYSCALE) {
            byte[] gray = new byte[p.width() * p.height()];
            for (int i = 0; i < gray.length; i++) {
                int c = p.rgb()[i];
                gray[i] = (byte) Math.round(0.299 * ((c >> 16) & 0xFF) + 0.587 * ((c >> 8) & 0xFF) + 0.114 * (c & 0xFF));
            }
            image.getRaster().setDataElements(0, 0, p.width(), p.height(), gray);
        } else {
            image.setRGB(0, 0, p.width(), p.height(), p.rgb(), 0, p.width());
        }
        if (quirk == Quirk.PNG_NAMED_JPG) {
            ImageIO.write(image, "png", file.toFile());
            return;
        }
        ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
        try (OutputStream os = Files.newOutputStream(file);
             ImageOutputStream out = ImageIO.createImageOutputStream(os)) {
            writer.setOutput(out);
            ImageWriteParam param = writer.getDefaultWriteParam();
            param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
            param.setCompressionQuality(quality);
            writer.write(null, new IIOImage(image, null, null), param);
        } finally {
            writer.dispose();
        }
    }

    private static void writeTrimap(PetPainter.Picture p, Path file) throws IOException {
        BufferedImage image = new BufferedImage(p.width(), p.height(), BufferedImage.TYPE_BYTE_GRAY);
        image.getRaster().setDataElements(0, 0, p.width(), p.height(), p.trimap());
        ImageIO.write(image, "png", file.toFile());
    }

    private static long mix(long seed, int index) {
        long z = seed + 0x9E3779B97F4A7C15L * (index + 1);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
