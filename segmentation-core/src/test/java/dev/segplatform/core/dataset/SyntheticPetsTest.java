package dev.segplatform.core.dataset;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SyntheticPetsTest {

    @TempDir
    static Path dir;
    static SyntheticPets.Result result;

    @BeforeAll
    static void generate() throws IOException {
        result = SyntheticPets.generate(dir.resolve("a"), SyntheticPets.Options.of(16, 7));
    }

    @Test
    void sameSeedGivesIdenticalFilesAndAnotherSeedDoesNot() throws IOException {
        SyntheticPets.generate(dir.resolve("b"), SyntheticPets.Options.of(16, 7));
        SyntheticPets.generate(dir.resolve("c"), SyntheticPets.Options.of(16, 8));
        List<Path> files = relativeFiles(dir.resolve("a"));
        assertThat(relativeFiles(dir.resolve("b"))).isEqualTo(files);
        for (Path f : files) {
            assertThat(Files.readAllBytes(dir.resolve("b").resolve(f)))
                    .as(f.toString()).isEqualTo(Files.readAllBytes(dir.resolve("a").resolve(f)));
        }
        Path someImage = dir.resolve("a/images").resolve(result.trainval().get(0) + ".jpg");
        Path sameNameOtherSeed = dir.resolve("c/images").resolve(someImage.getFileName());
        if (Files.exists(sameNameOtherSeed)) {
            assertThat(Files.readAllBytes(sameNameOtherSeed)).isNotEqualTo(Files.readAllBytes(someImage));
        }
        assertThat(Files.readString(dir.resolve("c/annotations/trainval.txt")))
                .isNotEqualTo(Files.readString(dir.resolve("a/annotations/trainval.txt")));
    }

    @Test
    void writesThePetLayoutWithListFilesInThePetFormat() throws IOException {
        Path root = dir.resolve("a");
        assertThat(result.trainval()).hasSize(12);
        assertThat(result.test()).hasSize(4);
        Set<String> all = new HashSet<>(result.trainval());
        all.addAll(result.test());
        assertThat(all).hasSize(16);
        for (String name : all) {
            assertThat(root.resolve("images/" + name + ".jpg")).isRegularFile();
            assertThat(root.resolve("annotations/trimaps/" + name + ".png")).isRegularFile();
        }
        try (Stream<Path> images = Files.list(root.resolve("images"))) {
            assertThat(images.count()).isEqualTo(16);
        }
        List<String> lines = Files.readAllLines(root.resolve("annotations/trainval.txt"));
        assertThat(lines.get(0)).startsWith("#");
        List<String> entries = lines.stream().filter(l -> !l.startsWith("#")).toList();
        assertThat(entries).hasSize(12);
        for (String line : entries) {
            String[] f = line.split(" ");
            assertThat(f).hasSize(4);
            assertThat(f[0]).matches("[A-Za-z_]+_[0-9]+");
            PetBreed breed = PetBreed.ALL.get(Integer.parseInt(f[1]) - 1);
            assertThat(f[0]).startsWith(breed.name() + "_");
            assertThat(Integer.parseInt(f[2])).isEqualTo(breed.species());
            assertThat(Character.isUpperCase(f[0].charAt(0))).isEqualTo(breed.species() == PetBreed.CAT);
            assertThat(Integer.parseInt(f[3])).isEqualTo(breed.breedId());
        }
    }

    @Test
    void imagesAreRgbJpegsOfVariedSize() throws IOException {
        Set<Integer> widths = new HashSet<>();
        Set<Integer> heights = new HashSet<>();
        for (String name : result.trainval()) {
            Path file = dir.resolve("a/images/" + name + ".jpg");
            byte[] bytes = Files.readAllBytes(file);
            assertThat(bytes[0] & 0xFF).isEqualTo(0xFF);
            assertThat(bytes[1] & 0xFF).isEqualTo(0xD8);
            BufferedImage image = ImageIO.read(file.toFile());
            assertThat(image.getRaster().getNumBands()).isEqualTo(3);
            assertThat(image.getWidth()).isBetween(100, 300);
            assertThat(image.getHeight()).isBetween(100, 300);
            widths.add(image.getWidth());
            heights.add(image.getHeight());
        }
        assertThat(widths).hasSizeGreaterThan(5);
        assertThat(heights).hasSizeGreaterThan(5);
    }

    @Test
    void trimapsHoldOnlyOneToThreeWithABorderBandBetweenPetAndBackground() throws IOException {
        for (String name : result.trainval()) {
            BufferedImage trimap = ImageIO.read(dir.resolve("a/annotations/trimaps/" + name + ".png").toFile());
            assertThat(trimap.getType()).isEqualTo(BufferedImage.TYPE_BYTE_GRAY);
            Raster r = trimap.getRaster();
            int w = r.getWidth();
            int h = r.getHeight();
            int[] v = r.getSamples(0, 0, w, h, 0, (int[]) null);
            int[] counts = new int[4];
            for (int x : v) {
                assertThat(x).isBetween(1, 3);
                counts[x]++;
            }
            assertThat(counts[1]).as("pet pixels").isGreaterThan(w * h / 50);
            assertThat(counts[2]).as("background pixels").isGreaterThan(w * h / 4);
            assertThat(counts[3]).as("border pixels").isGreaterThan(0).isLessThan(counts[1]);
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    if (v[y * w + x] == 1) {
                        assertThat(x + 1 < w && v[y * w + x + 1] == 2).as("pet next to background").isFalse();
                        assertThat(y + 1 < h && v[(y + 1) * w + x] == 2).as("pet above background").isFalse();
                        assertThat(x > 0 && v[y * w + x - 1] == 2).isFalse();
                        assertThat(y > 0 && v[(y - 1) * w + x] == 2).isFalse();
                    }
                }
            }
        }
    }

    @Test
    void borderBandIsTwoOrFourPixelsWide() {
        int w = 40;
        int h = 10;
        boolean[] pet = new boolean[w * h];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < 20; x++) {
                pet[y * w + x] = true;
            }
        }
        for (int extra = 0; extra <= 1; extra++) {
            byte[] t = PetPainter.trimap(pet, w, h, extra);
            StringBuilder row = new StringBuilder();
            for (int x = 0; x < w; x++) {
                row.append(t[5 * w + x]);
            }
            String expected = "1".repeat(19 - extra) + "3".repeat(2 + 2 * extra) + "2".repeat(19 - extra);
            assertThat(row.toString()).isEqualTo(expected);
        }
    }

    @Test
    void quirksWriteSomeGrayscaleOrPngImagesUnderJpgNames() throws IOException {
        SyntheticPets.Result quirky = SyntheticPets.generate(dir.resolve("q"),
                SyntheticPets.Options.of(60, 3).withQuirks(true));
        int odd = 0;
        for (String name : quirky.trainval()) {
            Path file = dir.resolve("q/images/" + name + ".jpg");
            byte[] bytes = Files.readAllBytes(file);
            boolean png = (bytes[0] & 0xFF) == 0x89;
            boolean gray = !png && ImageIO.read(file.toFile()).getRaster().getNumBands() == 1;
            if (png || gray) {
                odd++;
            }
        }
        assertThat(odd).isBetween(1, 15);
    }

    private static List<Path> relativeFiles(Path root) throws IOException {
        try (Stream<Path> files = Files.walk(root)) {
            return files.filter(Files::isRegularFile).map(root::relativize).sorted().toList();
        }
    }
}
