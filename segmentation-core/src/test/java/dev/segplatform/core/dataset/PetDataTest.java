package dev.segplatform.core.dataset;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PetDataTest {

    @TempDir
    static Path shared;
    static Path clean;

    @BeforeAll
    static void generate() throws IOException {
        clean = shared.resolve("clean");
        // Seed 12 happens to give two PNGs named .jpg and one grayscale JPEG among the 30.
        SyntheticPets.generate(clean, SyntheticPets.Options.of(30, 12).withQuirks(true));
    }

    @Test
    void loadsEveryListedExampleOfAGeneratedFolderWithTheOfficialSplit() throws IOException {
        PetData data = PetData.load(clean, PetDataOptions.of(32));
        OxfordPetReader reader = new OxfordPetReader(clean);
        assertThat(data.train().size()).isEqualTo(reader.readList("trainval.txt").size()).isEqualTo(22);
        assertThat(data.validation().size()).isEqualTo(reader.readList("test.txt").size()).isEqualTo(8);
        assertThat(data.report().loaded()).isEqualTo(30);
        assertThat(data.report().skipped()).isZero();
        assertThat(data.train().imageSize()).isEqualTo(32);
        assertThat(data.train().names()).isEqualTo(reader.readList("trainval.txt").stream()
                .map(OxfordPetReader.ListEntry::name).toList());
    }

    @Test
    void grayscaleJpegsAndPngsNamedJpgLoadAsRgb() throws IOException {
        int quirky = 0;
        try (var files = Files.list(clean.resolve("images"))) {
            for (Path file : files.toList()) {
                byte[] bytes = Files.readAllBytes(file);
                boolean png = (bytes[0] & 0xFF) == 0x89;
                if (png || ImageIO.read(file.toFile()).getRaster().getNumBands() == 1) {
                    quirky++;
                }
            }
        }
        assertThat(quirky).as("quirky images in the generated folder").isPositive();
        PetData data = PetData.load(clean, PetDataOptions.of(8));
        assertThat(data.report().skipped()).isZero();
        assertThat(data.train().size() + data.validation().size()).isEqualTo(30);
    }

    @Test
    void listParsingSkipsCommentsAndBlankLines(@TempDir Path dir) throws IOException {
        Files.createDirectories(dir.resolve("annotations"));
        Files.writeString(dir.resolve("annotations/test.txt"),
                "#Image CLASS-ID SPECIES BREED ID\n\n  \nAbyssinian_1 1 1 1\n# late comment\nbeagle_7 5 2 4\r\nodd_1\n");
        List<OxfordPetReader.ListEntry> entries = new OxfordPetReader(dir).readList("test.txt");
        assertThat(entries).containsExactly(new OxfordPetReader.ListEntry("Abyssinian_1", 1, 1, 1),
                new OxfordPetReader.ListEntry("beagle_7", 5, 2, 4), new OxfordPetReader.ListEntry("odd_1", -1, -1, -1));
    }

    @Test
    void badExamplesAreSkippedAndReportedWhileTheRestLoads(@TempDir Path dir) throws IOException {
        SyntheticPets.Result r = SyntheticPets.generate(dir, SyntheticPets.Options.of(12, 5).withTestFraction(0));
        List<String> names = r.trainval();
        String corrupt = names.get(0);
        String noTrimap = names.get(1);
        String wrongSize = names.get(2);
        String badValue = names.get(3);
        byte[] jpeg = Files.readAllBytes(dir.resolve("images/" + corrupt + ".jpg"));
        for (int i = 0; i < 64; i++) {
            jpeg[i] = (byte) (i * 37);
        }
        Files.write(dir.resolve("images/" + corrupt + ".jpg"), jpeg);
        Files.delete(dir.resolve("annotations/trimaps/" + noTrimap + ".png"));
        writeGray(dir.resolve("annotations/trimaps/" + wrongSize + ".png"), 17, 23, 2);
        BufferedImage image = ImageIO.read(dir.resolve("images/" + badValue + ".jpg").toFile());
        writeGray(dir.resolve("annotations/trimaps/" + badValue + ".png"), image.getWidth(), image.getHeight(), 7);

        PetData data = PetData.load(dir, PetDataOptions.of(16));

        assertThat(data.train().size()).isEqualTo(8);
        assertThat(data.train().names()).doesNotContain(corrupt, noTrimap, wrongSize, badValue);
        LoadReport report = data.report();
        assertThat(report.loaded()).isEqualTo(8);
        assertThat(report.skipped()).isEqualTo(4);
        assertThat(report.reasons()).hasSize(4);
        assertThat(report.reasons()).anySatisfy(s -> assertThat(s).startsWith(corrupt + ":").contains("unreadable"));
        assertThat(report.reasons()).anySatisfy(s -> assertThat(s).startsWith(noTrimap + ":").contains("missing"));
        assertThat(report.reasons()).anySatisfy(s -> assertThat(s).startsWith(wrongSize + ":").contains("17x23"));
        assertThat(report.reasons()).anySatisfy(s -> assertThat(s).startsWith(badValue + ":").contains("7"));
    }

    @Test
    void aFolderWithNothingUsableFailsNamingTheFolder(@TempDir Path dir) throws IOException {
        assertThatThrownBy(() -> PetData.load(dir, PetDataOptions.of(16)))
                .isInstanceOf(IOException.class)
                .hasMessageContaining(dir.toAbsolutePath().toString())
                .hasMessageContaining("trainval.txt");

        Files.createDirectories(dir.resolve("annotations"));
        Files.writeString(dir.resolve("annotations/trainval.txt"), "# nothing real\nghost_1 1 1 1\n");
        Files.writeString(dir.resolve("annotations/test.txt"), "");
        assertThatThrownBy(() -> PetData.load(dir, PetDataOptions.of(16)))
                .isInstanceOf(IOException.class)
                .hasMessageContaining(dir.toAbsolutePath().toString())
                .hasMessageContaining("ghost_1");
    }

    @Test
    void validationFractionSplitsTrainvalWithTheSeedAndIgnoresTestTxt(@TempDir Path dir) throws IOException {
        SyntheticPets.generate(dir, SyntheticPets.Options.of(20, 2).withTestFraction(0.5));
        Files.delete(dir.resolve("annotations/test.txt"));
        PetDataOptions options = PetDataOptions.of(16).withValidationFraction(0.3, 99);
        PetData a = PetData.load(dir, options);
        PetData b = PetData.load(dir, options);
        PetData c = PetData.load(dir, PetDataOptions.of(16).withValidationFraction(0.3, 100));

        assertThat(a.train().size()).isEqualTo(7);
        assertThat(a.validation().size()).isEqualTo(3);
        Set<String> overlap = new HashSet<>(a.train().names());
        overlap.retainAll(a.validation().names());
        assertThat(overlap).isEmpty();
        assertThat(b.validation().names()).isEqualTo(a.validation().names());
        assertThat(List.of(c.validation().names(), c.train().names()))
                .isNotEqualTo(List.of(a.validation().names(), a.train().names()));
        assertThatThrownBy(() -> PetData.load(dir, PetDataOptions.of(16)))
                .hasMessageContaining("test.txt");
    }

    @Test
    void maxImagesTakesASeededSampleOfEachList() throws IOException {
        PetData data = PetData.load(clean, PetDataOptions.of(16).withMaxImages(5));
        assertThat(data.train().size()).isEqualTo(5);
        assertThat(data.validation().size()).isEqualTo(5);
        assertThat(PetData.load(clean, PetDataOptions.of(16).withMaxImages(5)).train().names())
                .isEqualTo(data.train().names());
    }

    @Test
    void loadOrGenerateWritesOnceThenReusesTheFolder(@TempDir Path dir) throws IOException {
        Path target = dir.resolve("synthetic");
        PetData first = PetData.loadOrGenerate(target, 8, 1, PetDataOptions.of(16));
        assertThat(first.train().size() + first.validation().size()).isEqualTo(8);
        long modified = Files.getLastModifiedTime(target.resolve("annotations/trainval.txt")).toMillis();
        PetData second = PetData.loadOrGenerate(target, 50, 2, PetDataOptions.of(16));
        assertThat(second.train().names()).isEqualTo(first.train().names());
        assertThat(Files.getLastModifiedTime(target.resolve("annotations/trainval.txt")).toMillis()).isEqualTo(modified);
    }

    private static void writeGray(Path file, int w, int h, int value) throws IOException {
        BufferedImage t = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                t.getRaster().setSample(x, y, 0, value);
            }
        }
        ImageIO.write(t, "png", file.toFile());
    }
}
