package dev.segplatform.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.segplatform.core.bundle.ModelBundle;
import dev.segplatform.core.dataset.PetData;
import dev.segplatform.core.dataset.PetDataOptions;
import dev.segplatform.core.dataset.SegmentationDataset;
import dev.segplatform.core.model.Architecture;
import dev.segplatform.core.model.ModelSpec;
import dev.segplatform.core.model.Optimizer;
import dev.segplatform.core.train.EpochResult;
import dev.segplatform.core.train.SegmentationTrainer;
import dev.segplatform.core.train.TrainingOptions;
import dev.segplatform.testsupport.DashboardBrowser;
import dev.segplatform.testsupport.ServiceProcess;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The dashboard's Model page against a real inference service serving a tiny model trained here
 * (a U-Net of width 8 on 32 px generated pets, one epoch): what it serves, and Try it, an uploaded
 * PNG segmented through the gateway into an overlay, a mask and class fractions. A client key sees
 * only this page; a viewer sees the model but may not segment, a scientist may.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class DashboardModelTest {

    static final String ADMIN = "model-admin-key";
    static final String CLIENT = "model-client-key";
    static final String VIEWER = "model-viewer-key";
    static final String SCIENTIST = "model-scientist-key";
    /** The run id written into the bundle, as a trainer writes its run's id. */
    static final String RUN_ID = "42";
    static final Path DATA;
    static final ServiceProcess INFERENCE;

    static {
        try {
            DATA = Files.createTempDirectory(Files.createDirectories(Path.of("target", "test-data")), "dashboard-model-");
            Path bundle = tinyTrainedBundle();
            INFERENCE = ServiceProcess.fromJar("inference-service", DATA.resolve("inference-service.log"), "/readyz",
                    "--inference.bundle-path=" + bundle.toAbsolutePath());
        } catch (Exception e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @LocalServerPort
    int port;

    DashboardBrowser page;
    WebDriver driver;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        registry.add("gateway.experiment-url", () -> "http://127.0.0.1:9");
        registry.add("gateway.inference-url", () -> INFERENCE.url().toString());
        registry.add("gateway.admin-key", () -> ADMIN);
        TestKeys.register(registry, "client", CLIENT, "viewer", VIEWER, "scientist", SCIENTIST);
    }

    @AfterAll
    static void stop() throws Exception {
        INFERENCE.close();
    }

    @AfterEach
    void quit() {
        if (page != null) {
            page.close();
        }
    }

    @Test
    void aClientSeesTheServedModelAndSegmentsAnUploadedImage() throws Exception {
        page = DashboardBrowser.open(1400, 1100);
        driver = page.driver();
        driver.get(base() + "/");
        page.signIn(CLIENT);

        // A client cannot read tracking: its home is the Model page, the only one in its navigation.
        WebElement architecture = page.waitUpTo(30).until(ExpectedConditions.visibilityOfElementLocated(By.id("model-architecture")));
        assertThat(architecture.getText()).containsIgnoringCase("unet");
        assertThat(driver.findElements(By.cssSelector("#nav a"))).extracting(WebElement::getText).containsExactly("Model");
        assertThat(page.text("#model-version")).isEqualTo("1");
        assertThat(page.text("#model-loaded-at")).isNotBlank();
        assertThat(page.text("#model-val_mean_iou")).isNotBlank();
        assertThat(page.text("#model-classes")).isEqualTo(String.join(", ", SegmentationDataset.CLASS_NAMES));
        // The run is named, not linked: a client may not read runs.
        assertThat(page.text("#model-run")).isEqualTo("run " + RUN_ID);
        assertThat(driver.findElements(By.cssSelector("#model-run a"))).isEmpty();

        // Try it: a 48x40 PNG in, the overlay (at the image's size), the mask and the class fractions out.
        Path image = DATA.resolve("try <it>.png");
        ImageIO.write(pet(48, 40), "png", image.toFile());
        driver.findElement(By.id("tryit-file")).sendKeys(image.toAbsolutePath().toString());
        page.waitUpTo(60).until(d -> ((Number) page.js("const i = document.getElementById('tryit-overlay');"
                + " return i && i.complete ? i.naturalWidth : 0;")).intValue() > 0);
        assertThat(page.js("return document.getElementById('tryit-overlay').naturalWidth")).isEqualTo(48L);
        assertThat(page.js("return document.getElementById('tryit-overlay').naturalHeight")).isEqualTo(40L);
        page.waitUpTo(20).until(d -> ((Number) page.js("const i = document.getElementById('tryit-input');"
                + " return i && i.complete ? i.naturalWidth : 0;")).intValue() == 48);
        assertThat(page.js("const c = document.getElementById('tryit-mask'); return [c.width, c.height]"))
                .isEqualTo(List.of(48L, 40L));
        List<WebElement> rows = driver.findElements(By.cssSelector("#tryit-fractions tbody tr"));
        assertThat(rows).extracting(r -> r.getAttribute("data-class")).containsExactlyElementsOf(SegmentationDataset.CLASS_NAMES);
        double percent = rows.stream().mapToDouble(r -> Double.parseDouble(
                r.findElement(By.cssSelector("td:nth-child(2)")).getText().replace(" %", ""))).sum();
        assertThat(percent).isBetween(99.0, 101.0);
        long pixels = rows.stream().mapToLong(r -> Long.parseLong(r.findElement(By.cssSelector("td:nth-child(3)")).getText())).sum();
        assertThat(pixels).isEqualTo(48L * 40);
        // The file's name is shown as its characters.
        assertThat(driver.findElement(By.cssSelector("#tryit-results figcaption")).getText()).isEqualTo("input: try <it>.png");
        page.screenshot("model-try-it");
        assertNoConsoleErrors();
    }

    @Test
    void aViewerSeesTheModelButNoTryItAndAScientistDoes() throws Exception {
        page = DashboardBrowser.open(1400, 1100);
        driver = page.driver();
        driver.get(base() + "/#/model");
        page.signIn(VIEWER);
        page.waitUpTo(30).until(ExpectedConditions.visibilityOfElementLocated(By.id("model-architecture")));
        assertThat(driver.findElement(By.cssSelector("#model-run a")).getAttribute("href")).endsWith("#/runs/" + RUN_ID);
        assertThat(driver.findElement(By.id("tryit-denied")).getText()).contains("admin, scientist or client");
        assertThat(driver.findElements(By.id("tryit-file"))).isEmpty();
        assertThat(driver.findElements(By.cssSelector("#nav a"))).extracting(WebElement::getText)
                .containsExactly("Experiments", "Queue", "Model");
        page.screenshot("model-viewer");
        assertNoConsoleErrors();

        // A scientist may segment (it tries the models it trains): Try it is offered.
        driver.findElement(By.id("sign-out")).click();
        page.signIn(SCIENTIST);
        page.waitUpTo(30).until(ExpectedConditions.visibilityOfElementLocated(By.id("model-architecture")));
        assertThat(driver.findElements(By.id("tryit-file"))).hasSize(1);
        assertThat(driver.findElements(By.id("tryit-denied"))).isEmpty();
        assertNoConsoleErrors();
    }

    // ---------- the model ----------

    /**
     * The smallest model the inference service serves as it serves any: a U-Net of width 8 at 32 px
     * trained for one epoch on 16 generated pets, written as a bundle the way a trainer writes one.
     * Like the inference tests' model it is kept under {@code target/} (its name records what made
     * it) and reused by later runs of the same build folder, because training starts DL4J first.
     */
    private static Path tinyTrainedBundle() throws Exception {
        Path file = Path.of("target", "test-models", "dashboard-unet-w8-32px-pets16-3-e1.zip").toAbsolutePath();
        if (Files.isRegularFile(file)) {
            return file;
        }
        ModelSpec spec = ModelSpec.of(Architecture.UNET, 32, 3).withWidth(8).withOptimizer(Optimizer.ADAM, 3e-3, 0);
        PetData pets = PetData.loadOrGenerate(Path.of("target", "test-data", "dashboard-pets-16-3"), 16, 3,
                PetDataOptions.of(32));
        SegmentationTrainer trainer = new SegmentationTrainer(spec);
        EpochResult last = trainer.train(pets.train(), pets.validation(), TrainingOptions.of(1, 8), null).last();
        Files.createDirectories(file.getParent());
        Path partial = file.resolveSibling(file.getFileName() + ".partial");
        ModelBundle.of(trainer.graph(), spec, SegmentationDataset.CLASS_NAMES,
                Map.of("val_mean_iou", last.valMeanIou(), "val_accuracy", last.valAccuracy()), RUN_ID).save(partial);
        Files.move(partial, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return file;
    }

    /** A light disc on a dark background, like the generated pets. */
    private static BufferedImage pet(int width, int height) {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int d = (x - width / 2) * (x - width / 2) + (y - height / 2) * (y - height / 2);
                image.setRGB(x, y, d < 150 ? 0xc08040 : 0x304020);
            }
        }
        return image;
    }

    // ---------- browser helpers ----------

    private void assertNoConsoleErrors() {
        assertThat(page.consoleErrors()).isEmpty();
    }

    private String base() {
        return "http://localhost:" + port;
    }
}
