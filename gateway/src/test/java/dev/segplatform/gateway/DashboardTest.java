package dev.segplatform.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.segplatform.testsupport.DashboardBrowser;
import dev.segplatform.testsupport.ServiceProcess;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.NoAlertPresentException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The dashboard in headless Chromium, through the gateway in front of a real experiment service
 * holding runs and a study's trials that were written through the job protocol as a trainer writes
 * them: sign-in, the experiments, runs, run, compare, study, queue and new run/study pages, user strings
 * shown as text, roles, security headers, and a console without errors. The Model page in front of
 * a real inference service is {@link DashboardModelTest}'s.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class DashboardTest {

    static final String XSS_NAME = "<img src=x onerror=window.__xss=1;alert(1)>";
    static final String XSS_MESSAGE = "<script>window.__xss=2</script> out of memory";
    static final String ADMIN = "dash-admin-key";
    static final String SCIENTIST = "dash-scientist-key";
    static final String VIEWER = "dash-viewer-key";
    static final int EPOCHS = 3;

    static final JsonMapper JSON = JsonMapper.builder().build();
    static final HttpClient HTTP = HttpClient.newHttpClient();
    static final ServiceProcess EXPERIMENT;
    static final String INTERNAL_TOKEN;
    static final long EXPERIMENT_ID;
    static final long EMPTY_EXPERIMENT_ID;
    static final long SUCCEEDED_RUN;
    static final long RUNNING_RUN;
    static final JsonNode RUNNING_CLAIM;
    static final long FAILED_RUN;
    static final long QUEUED_RUN;
    static final long STUDY_EXPERIMENT_ID;
    static final long STUDY_ID;
    static final long PRUNED_TRIAL_RUN;
    static final long BEST_TRIAL_RUN;
    static final String STUDY_NAME = "tuning <b>study</b>";

    static {
        try {
            Path data = Files.createTempDirectory(Files.createDirectories(Path.of("target", "test-data")), "dashboard-");
            // A lease that outlasts the test, so the running run stays running.
            EXPERIMENT = ServiceProcess.experimentService(data, "--experiment.lease-duration=30m");
            INTERNAL_TOKEN = Files.readString(data.resolve("internal-token")).strip();
            EXPERIMENT_ID = post("/api/experiments", JSON.writeValueAsString(Map.of("name", XSS_NAME))).get("id").asLong();
            EMPTY_EXPERIMENT_ID = post("/api/experiments", "{\"name\":\"empty experiment\"}").get("id").asLong();

            SUCCEEDED_RUN = createRun("unet");
            JsonNode claim = claim();
            String lease = claim.get("leaseToken").asString();
            for (int epoch = 1; epoch <= EPOCHS; epoch++) {
                logEpoch(SUCCEEDED_RUN, lease, epoch);
            }
            // The trainer's layout: input, ground truth and prediction under the image's name.
            // Each its own size here, so that the page is seen to put each in its place.
            upload(SUCCEEDED_RUN, lease, "samples/Abyssinian_1/input.png", "image/png", samplePng(48));
            upload(SUCCEEDED_RUN, lease, "samples/Abyssinian_1/truth.png", "image/png", samplePng(40));
            upload(SUCCEEDED_RUN, lease, "samples/Abyssinian_1/mask.png", "image/png", samplePng(32));
            upload(SUCCEEDED_RUN, lease, "model/bundle.zip", "application/zip", new byte[] {1, 2, 3});
            complete(claim, "SUCCEEDED", null);

            RUNNING_RUN = createRun("icnet");
            RUNNING_CLAIM = claim();
            logEpoch(RUNNING_RUN, RUNNING_CLAIM.get("leaseToken").asString(), 1);
            heartbeat(2, 420);

            FAILED_RUN = createRun("pspnet");
            JsonNode failedClaim = claim();
            // A sample in the layout trainers wrote before input and truth were stored: the prediction alone.
            upload(FAILED_RUN, failedClaim.get("leaseToken").asString(), "samples/legacy_7.png", "image/png", samplePng(32));
            complete(failedClaim, "FAILED", XSS_MESSAGE);

            // The oldest queued job, so first in claim order whatever the tests queue later. The study's
            // trials below are claimed by a worker that does not train its model, so it stays queued.
            QUEUED_RUN = createRun("pspnet");

            // A study in an experiment of its own: three trials queued at once, run here as a trainer runs
            // them (two succeed, one is pruned after its first epoch); the scheduler then queues the
            // fourth, which nothing claims, so the study stays RUNNING.
            STUDY_EXPERIMENT_ID = post("/api/experiments", "{\"name\":\"tuning\"}").get("id").asLong();
            STUDY_ID = post("/api/studies", JSON.writeValueAsString(Map.of("experimentId", STUDY_EXPERIMENT_ID,
                    "name", STUDY_NAME, "algorithm", "random", "maxTrials", 4, "parallelism", 3, "seed", 5,
                    "baseSpec", JSON.readTree("""
                            {"model": "unet", "epochs": 2, "batchSize": 8, "learningRate": 0.01, "imageSize": 32,
                             "width": 8, "dataset": {"type": "synthetic", "count": 10, "seed": 1}}"""),
                    "space", JSON.readTree("""
                            {"learningRate": {"type": "loguniform", "low": 0.0001, "high": 0.1},
                             "model": {"type": "choice", "values": ["unet", "icnet"]},
                             "batchSize": {"type": "int", "low": 4, "high": 16}}""")))).get("id").asLong();
            long pruned = 0;
            long best = 0;
            for (int trial = 1; trial <= 3; trial++) {
                JsonNode trialClaim = claim("{\"workerId\":\"dashboard-test\",\"capabilities\":{\"models\":[\"unet\",\"icnet\"]}}");
                long runId = trialClaim.get("runId").asLong();
                String trialLease = trialClaim.get("leaseToken").asString();
                int epochs = trial == 3 ? 1 : 2;
                for (int epoch = 1; epoch <= epochs; epoch++) {
                    // val_mean_iou ends at 0.3 (first claimed), 0.4 (second, the best), 0.35 (third, pruned).
                    double iou = trial == 3 ? 0.35 : 0.1 * trial + 0.1 * epoch;
                    job("/api/runs/" + runId + "/metrics", "{\"metrics\":[{\"key\":\"val_mean_iou\",\"value\":" + iou
                            + ",\"step\":" + epoch + "},{\"key\":\"loss\",\"value\":" + 1.0 / (trial + epoch)
                            + ",\"step\":" + epoch + "}]}", trialLease);
                }
                if (trial == 3) {
                    pruned = runId;
                    complete(trialClaim, "PRUNED", "pruned at epoch 1");
                } else {
                    best = runId;
                    complete(trialClaim, "SUCCEEDED", null);
                }
            }
            PRUNED_TRIAL_RUN = pruned;
            BEST_TRIAL_RUN = best;
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
        registry.add("gateway.experiment-url", () -> EXPERIMENT.url().toString());
        registry.add("gateway.inference-url", () -> "http://127.0.0.1:9");
        registry.add("gateway.admin-key", () -> ADMIN);
        TestKeys.register(registry, "scientist", SCIENTIST, "viewer", VIEWER);
    }

    @AfterAll
    static void stop() throws Exception {
        EXPERIMENT.close();
    }

    @AfterEach
    void quit() {
        if (page != null) {
            page.close();
        }
    }

    @Test
    void dashboardFilesArePublicAndCarryTheSecurityHeaders() throws Exception {
        for (String path : List.of("/", "/dashboard/app.js", "/dashboard/compare.js", "/dashboard/study.js",
                "/dashboard/model.js", "/dashboard/new.js", "/dashboard/app.css", "/webjars/echarts/dist/echarts.min.js")) {
            HttpResponse<String> response = get(path, null);
            assertThat(response.statusCode()).as(path).isEqualTo(200);
            assertThat(response.headers().firstValue("Content-Security-Policy")).as(path).hasValueSatisfying(csp -> {
                assertThat(csp).contains("script-src 'self'", "style-src 'self'", "img-src 'self' blob:",
                        "frame-ancestors 'none'").doesNotContain("unsafe-inline").doesNotContain("unsafe-eval");
            });
            assertThat(response.headers().firstValue("X-Content-Type-Options")).as(path).hasValue("nosniff");
        }
        assertThat(get("/", null).body()).contains("/dashboard/app.js").doesNotContain("<script>");
    }

    @Test
    void whoamiNamesTheKeysRoleForAnyValidKey() throws Exception {
        assertThat(JSON.readTree(get("/api/whoami", VIEWER).body()).get("role").asString()).isEqualTo("viewer");
        JsonNode scientist = JSON.readTree(get("/api/whoami", SCIENTIST).body());
        assertThat(scientist.get("name").asString()).isEqualTo("scientist");
        assertThat(scientist.get("role").asString()).isEqualTo("scientist");
        assertThat(get("/api/whoami", null).statusCode()).isEqualTo(401);
        assertThat(get("/api/whoami", "wrong").statusCode()).isEqualTo(401);
    }

    @Test
    void showsExperimentsRunsAndARunWithCurvesAndMasks() throws Exception {
        page = DashboardBrowser.open(1400, 1800);
        driver = page.driver();
        driver.get(base() + "/#/experiments");
        page.signIn(SCIENTIST);
        // Page changes here are hash changes in one document: keep every request's timing entry to count them.
        page.js("performance.setResourceTimingBufferSize(100000)");

        // Page 1: the XSS name is shown as its characters, and nothing ran.
        WebElement row = page.waitUpTo(20).until(ExpectedConditions.presenceOfElementLocated(
                By.cssSelector("#experiments tr[data-experiment-id='" + EXPERIMENT_ID + "']")));
        assertThat(row.findElement(By.cssSelector("td.name a")).getText()).isEqualTo(XSS_NAME);
        // The server's counts, best val_mean_iou (the succeeded run's last epoch) and last activity.
        assertThat(row.findElements(By.cssSelector("td.counts span[data-status]"))).extracting(WebElement::getText)
                .containsExactly("queued 1", "running 1", "succeeded 1", "failed 1");
        assertThat(row.findElement(By.cssSelector("td.best")).getText()).isEqualTo("0.7200");
        assertThat(row.findElement(By.cssSelector("td.last-activity")).getText()).isNotBlank();
        WebElement empty = driver.findElement(By.cssSelector("#experiments tr[data-experiment-id='" + EMPTY_EXPERIMENT_ID + "']"));
        assertThat(empty.findElement(By.cssSelector("td.counts")).getText()).isEqualTo("no runs");
        assertThat(empty.findElement(By.cssSelector("td.best")).getText()).isEmpty();
        assertThat(driver.findElements(By.id("create-experiment"))).hasSize(1);
        assertNoScriptRan();
        page.screenshot("experiments");

        // Page 2: the runs table, then a filter the server refuses, shown inline, then one it takes.
        row.findElement(By.cssSelector("td.name a")).click();
        page.waitUpTo(20).until(d -> d.findElements(By.cssSelector("#runs tbody tr[data-run-id]")).size() == 4);
        assertThat(driver.findElement(By.id("experiment-name")).getText()).isEqualTo(XSS_NAME);
        WebElement running = driver.findElement(By.cssSelector("#runs tr[data-run-id='" + RUNNING_RUN + "']"));
        assertThat(running.findElements(By.tagName("progress"))).hasSize(1);
        assertThat(running.getText()).contains("RUNNING", "ETA 7m 0s", "icnet");
        page.screenshot("runs");

        driver.findElement(By.cssSelector("th[data-order='metrics.val_mean_iou']")).click();
        page.waitUpTo(20).until(d -> d.getCurrentUrl().contains("orderBy=metrics.val_mean_iou"));
        page.waitUpTo(20).until(d -> d.findElements(By.cssSelector("#runs tbody tr[data-run-id]")).size() == 4);

        WebElement filter = driver.findElement(By.id("filter"));
        filter.clear();
        filter.sendKeys("metrics.val_mean_iou > 0.6");
        driver.findElement(By.cssSelector("#filter-form button[type=submit]")).click();
        page.waitUpTo(20).until(d -> d.findElements(By.cssSelector("#runs tbody tr[data-run-id]")).size() == 1
                && d.findElements(By.cssSelector("#runs tr[data-run-id='" + SUCCEEDED_RUN + "']")).size() == 1);
        assertThat(driver.findElements(By.cssSelector("#filter-error .error"))).isEmpty();

        // Page 3: curves with one point per epoch, the sample mask decoded from an authenticated blob.
        driver.findElement(By.cssSelector("#runs tr[data-run-id='" + SUCCEEDED_RUN + "'] td.name a")).click();
        page.waitUpTo(20).until(d -> d.findElements(By.cssSelector("#chart-loss canvas")).size() > 0);
        assertThat(page.seriesLengths("loss")).isEqualTo(Map.of("loss", (long) EPOCHS, "val_loss", (long) EPOCHS));
        assertThat(page.seriesLengths("iou")).isEqualTo(Map.of("mean_iou", (long) EPOCHS, "val_mean_iou", (long) EPOCHS));
        assertThat(page.seriesLengths("class-iou")).containsOnlyKeys("val_iou_background", "val_iou_border", "val_iou_pet");
        assertThat(page.seriesLengths("throughput")).isEqualTo(Map.of("images_per_second", (long) EPOCHS));
        // Every history came in one request.
        assertThat(requests("/api/runs/" + SUCCEEDED_RUN + "/metrics")).isEqualTo(1);
        // One sample: its input, ground truth and prediction side by side, each decoded from an authenticated blob.
        page.waitUpTo(20).until(d -> ((Number) page.js("const i = Array.from(document.querySelectorAll('#samples img'));"
                + " return i.filter(x => x.complete && x.naturalWidth > 0).length;")).intValue() == 3);
        assertThat(driver.findElements(By.cssSelector("#samples .sample-group"))).hasSize(1);
        WebElement sample = driver.findElement(By.cssSelector("#samples .sample-group[data-sample='Abyssinian_1']"));
        assertThat(sample.findElement(By.className("sample-name")).getText()).isEqualTo("Abyssinian_1");
        assertThat(sample.findElements(By.tagName("figcaption"))).extracting(WebElement::getText)
                .containsExactly("input", "ground truth", "prediction");
        assertThat(page.js("return Array.from(document.querySelectorAll('#samples .sample-group img'))"
                + ".map(i => i.className + ':' + i.naturalWidth)"))
                .isEqualTo(List.of("sample-input:48", "sample-truth:40", "sample-mask:32"));
        // The one claim, ended in success.
        assertThat(attempts()).containsExactly(List.of("1", "dashboard-test", "SUCCEEDED", ""));
        assertThat(page.text("#attempts tr[data-claim='1'] td:nth-child(4)")).isNotBlank();
        assertThat(driver.findElement(By.id("params")).getText()).contains("learningRate", "unet");
        assertThat(driver.findElement(By.id("artifacts")).getText()).contains("model/bundle.zip", "samples/Abyssinian_1/mask.png");
        assertThat(driver.findElement(By.id("run-name")).getText()).isNotBlank();
        // A finished run has nothing to cancel.
        assertThat(driver.findElement(By.id("cancel-run")).isDisplayed()).isFalse();
        page.screenshot("run");

        driver.get(base() + "/#/runs/" + FAILED_RUN);
        WebElement message = page.waitUpTo(20).until(ExpectedConditions.visibilityOfElementLocated(By.id("run-message")));
        assertThat(message.getText()).isEqualTo(XSS_MESSAGE);
        assertThat(driver.findElement(By.id("run-attempt")).getText()).startsWith("1");
        // The failure reason in the attempt history too, as text.
        page.waitUpTo(20).until(d -> !attempts().isEmpty());
        assertThat(attempts()).containsExactly(List.of("1", "dashboard-test", "FAILED", XSS_MESSAGE));
        // A sample from before input and truth were stored: the prediction alone.
        page.waitUpTo(20).until(d -> ((Number) page.js("const i = document.querySelector('#samples .sample-group img');"
                + " return i && i.complete ? i.naturalWidth : 0;")).intValue() > 0);
        assertThat(driver.findElements(By.cssSelector("#samples .sample-group[data-sample='legacy_7'] img.sample-mask")))
                .hasSize(1);
        assertThat(driver.findElements(By.cssSelector("#samples img"))).hasSize(1);
        assertThat(page.text("#samples figcaption")).isEqualTo("prediction");
        assertNoScriptRan();
        page.screenshot("run-failed");

        driver.get(base() + "/#/runs/" + RUNNING_RUN);
        WebElement cancel = page.waitUpTo(20).until(ExpectedConditions.visibilityOfElementLocated(By.id("cancel-run")));
        assertThat(page.text("#run-progress")).contains("epoch 2 of 5");
        page.waitUpTo(20).until(d -> d.findElements(By.cssSelector("#chart-loss canvas")).size() > 0);
        assertThat(page.seriesLengths("loss")).isEqualTo(Map.of("loss", 1L, "val_loss", 1L));
        page.waitUpTo(20).until(d -> !attempts().isEmpty());
        assertThat(attempts()).containsExactly(List.of("1", "dashboard-test", "RUNNING", ""));
        assertThat(page.text("#attempts tr[data-claim='1'] td:nth-child(4)")).isEmpty();
        page.screenshot("run-running");
        assertThat(cancel.isEnabled()).isTrue();

        // The trainer finishes epoch 2: the page's next poll shows it, curves and progress.
        logEpoch(RUNNING_RUN, RUNNING_CLAIM.get("leaseToken").asString(), 2);
        heartbeat(3, 300);
        page.waitUpTo(20).until(d -> page.seriesLengths("loss").equals(Map.of("loss", 2L, "val_loss", 2L)));
        page.waitUpTo(20).until(d -> page.text("#run-progress").contains("epoch 3 of 5"));
        assertThat(page.seriesLengths("class-iou")).containsValues(2L);
        // The histories were read twice: on opening, and once when the epoch's points arrived; the
        // polls in between, and the heartbeat's, did not read them.
        assertThat(requests("/api/runs/" + RUNNING_RUN + "/metrics")).isEqualTo(2);
        assertNoScriptRan();
        assertNoConsoleErrors();
    }

    @Test
    void aFilterTheServerRefusesIsShownInline() throws Exception {
        page = DashboardBrowser.open(1400, 1800);
        driver = page.driver();
        driver.get(base() + "/#/experiments/" + EXPERIMENT_ID);
        page.signIn(VIEWER);
        page.waitUpTo(20).until(d -> d.findElements(By.cssSelector("#runs tbody tr[data-run-id]")).size() == 4);
        WebElement filter = driver.findElement(By.id("filter"));
        filter.sendKeys("metrics.val_mean_iou >");
        driver.findElement(By.cssSelector("#filter-form button[type=submit]")).click();
        WebElement error = page.waitUpTo(20).until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("#filter-error .error")));
        assertThat(error.getText()).isNotBlank();
        assertThat(driver.getCurrentUrl()).contains("filter=metrics.val_mean_iou");
        assertThat(driver.findElements(By.cssSelector("#runs tbody tr[data-run-id]"))).isEmpty();
        page.screenshot("runs-filter-error");
        // The one expected console error is the browser's report of the refused search.
        assertThat(page.consoleErrors()).isNotEmpty().allSatisfy(e -> assertThat(e.getMessage()).contains("/api/runs?", "400"));
    }

    @Test
    void aScientistCreatesRenamesAndDeletesAnExperimentAndCancelsARun() throws Exception {
        page = DashboardBrowser.open(1400, 1800);
        driver = page.driver();
        driver.get(base() + "/#/experiments");
        page.signIn(SCIENTIST);
        String name = "lab <b>" + System.nanoTime() + "</b>";
        WebElement input = page.waitUpTo(20).until(ExpectedConditions.visibilityOfElementLocated(By.id("new-experiment-name")));
        input.sendKeys(name);
        driver.findElement(By.cssSelector("#create-experiment button[type=submit]")).click();
        By created = By.xpath("//table[@id='experiments']//tr[td[contains(@class,'name')]/a[text()=" + xpathLiteral(name) + "]]");
        WebElement row = page.waitUpTo(20).until(ExpectedConditions.presenceOfElementLocated(created));
        long id = Long.parseLong(row.getAttribute("data-experiment-id"));

        row.findElement(By.xpath(".//button[text()='Rename']")).click();
        WebElement rename = page.waitUpTo(20).until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("input.rename")));
        rename.clear();
        rename.sendKeys(name + " renamed");
        rename.submit();
        page.waitUpTo(20).until(d -> page.text("#experiments tr[data-experiment-id='" + id + "'] td.name a").equals(name + " renamed"));

        // A queued run in it, cancelled from its page: it ends at once and the button goes.
        long run = post("/api/experiments/" + id + "/runs", """
                {"spec": {"model": "unet", "epochs": 1, "batchSize": 8, "learningRate": 0.01, "imageSize": 32,
                 "dataset": {"type": "synthetic", "count": 10}}}""")
                .get("id").asLong();
        driver.get(base() + "/#/runs/" + run);
        page.waitUpTo(20).until(ExpectedConditions.visibilityOfElementLocated(By.id("cancel-run"))).click();
        page.waitUpTo(20).until(d -> page.text("#run-status").contains("CANCELLED"));
        assertThat(driver.findElement(By.id("cancel-run")).isDisplayed()).isFalse();

        driver.get(base() + "/#/experiments");
        WebElement again = page.waitUpTo(20).until(ExpectedConditions.presenceOfElementLocated(
                By.cssSelector("#experiments tr[data-experiment-id='" + id + "']")));
        again.findElement(By.xpath(".//button[text()='Delete']")).click();
        page.waitUpTo(20).until(ExpectedConditions.alertIsPresent()).accept();
        page.waitUpTo(20).until(ExpectedConditions.invisibilityOfElementLocated(
                By.cssSelector("#experiments tr[data-experiment-id='" + id + "']")));
        page.waitUpTo(20).until(ExpectedConditions.presenceOfElementLocated(
                By.cssSelector("#experiments tr[data-experiment-id='" + EXPERIMENT_ID + "']")));
        assertThat(driver.findElements(By.cssSelector("#experiments tr[data-experiment-id='" + id + "']"))).isEmpty();
        assertNoConsoleErrors();
    }

    @Test
    void comparesSelectedRunsCurvesAndParams() throws Exception {
        page = DashboardBrowser.open(1400, 1800);
        driver = page.driver();
        driver.get(base() + "/#/experiments/" + EXPERIMENT_ID);
        page.signIn(VIEWER);
        page.js("performance.setResourceTimingBufferSize(100000)");
        page.waitUpTo(20).until(d -> d.findElements(By.cssSelector("#runs tbody tr[data-run-id]")).size() == 4);
        assertThat(page.text("#compare-link")).isEqualTo("Compare (0)");
        for (long run : List.of(SUCCEEDED_RUN, RUNNING_RUN)) {
            driver.findElement(By.cssSelector("#runs tr[data-run-id='" + run + "'] input.select-run")).click();
        }
        page.waitUpTo(20).until(d -> page.text("#compare-link").equals("Compare (2)"));
        page.screenshot("runs-selected");
        // The selection outlives the page's next render (sorting here).
        driver.findElement(By.cssSelector("th[data-order='params.model']")).click();
        page.waitUpTo(20).until(d -> d.getCurrentUrl().contains("orderBy=params.model"));
        page.waitUpTo(20).until(d -> d.findElements(By.cssSelector("#runs tbody tr[data-run-id]")).size() == 4);
        assertThat(page.text("#compare-link")).isEqualTo("Compare (2)");
        assertThat(driver.findElement(By.cssSelector("#runs tr[data-run-id='" + SUCCEEDED_RUN + "'] input.select-run"))
                .isSelected()).isTrue();
        driver.findElement(By.id("compare-link")).click();
        page.waitUpTo(20).until(d -> d.getCurrentUrl().contains("#/compare?runs="));
        assertThat(driver.getCurrentUrl()).contains(SUCCEEDED_RUN + "," + RUNNING_RUN);

        // One chart per metric key, the common ones first; one series per selected run in each.
        page.waitUpTo(20).until(d -> d.findElements(By.cssSelector("#compare-val_mean_iou canvas")).size() > 0);
        for (String key : List.of("loss", "val_loss", "val_accuracy", "val_mean_iou", "images_per_second")) {
            assertThat(seriesNames("compare-" + key)).as(key).hasSize(2)
                    .anySatisfy(n -> assertThat(n).startsWith("#" + SUCCEEDED_RUN + " "))
                    .anySatisfy(n -> assertThat(n).startsWith("#" + RUNNING_RUN + " "));
        }
        assertThat(page.js("return document.querySelector('#compare-charts h3').textContent")).isEqualTo("loss");
        @SuppressWarnings("unchecked")
        Map<String, Long> points = (Map<String, Long>) page.js("const c = echarts.getInstanceByDom("
                + "document.getElementById('compare-loss')); const out = {};"
                + " for (const s of c.getOption().series) { out[s.name.split(' ')[0]] = s.data.length; } return out;");
        assertThat(points).containsEntry("#" + SUCCEEDED_RUN, (long) EPOCHS);
        // Each run's histories came in one request.
        assertThat(requests("/api/runs/" + SUCCEEDED_RUN + "/metrics")).isEqualTo(1);

        // The params table: the model differs (unet, icnet) and is highlighted; the learning rate does not.
        WebElement model = driver.findElement(By.cssSelector("#compare-params tr[data-param='model']"));
        assertThat(model.getAttribute("class")).contains("differs");
        assertThat(model.getText()).contains("unet", "icnet");
        WebElement rate = driver.findElement(By.cssSelector("#compare-params tr[data-param='learningRate']"));
        assertThat(rate.getAttribute("class")).doesNotContain("differs");
        assertThat(rate.isDisplayed()).isTrue();
        page.screenshot("compare");
        driver.findElement(By.id("only-differences")).click();
        page.waitUpTo(20).until(d -> !d.findElement(By.cssSelector("#compare-params tr[data-param='learningRate']")).isDisplayed());
        assertThat(driver.findElement(By.cssSelector("#compare-params tr[data-param='model']")).isDisplayed()).isTrue();
        assertNoScriptRan();
        assertNoConsoleErrors();
    }

    @Test
    void showsAStudyItsTrialsAndParallelCoordinatesAndOnlyAScientistStopsIt() throws Exception {
        page = DashboardBrowser.open(1400, 1800);
        driver = page.driver();
        // A viewer: the study's page, linked from its experiment, without Stop.
        driver.get(base() + "/#/experiments/" + STUDY_EXPERIMENT_ID);
        page.signIn(VIEWER);
        WebElement studyLink = page.waitUpTo(20).until(ExpectedConditions.presenceOfElementLocated(
                By.cssSelector("#studies-table tr[data-study-id='" + STUDY_ID + "'] td.name a")));
        assertThat(studyLink.getText()).isEqualTo(STUDY_NAME);
        studyLink.click();
        page.waitUpTo(20).until(d -> d.findElements(By.cssSelector("#chart-parallel canvas")).size() > 0);
        page.waitUpTo(20).until(d -> d.findElements(By.cssSelector("#trials tr[data-trial]")).size() == 4);
        assertThat(driver.findElement(By.id("study-name")).getText()).isEqualTo(STUDY_NAME);
        assertThat(driver.findElements(By.id("stop-study"))).isEmpty();

        // One line per finished trial: two succeeded, one pruned; the queued fourth has no objective yet.
        assertThat(page.js("const c = echarts.getInstanceByDom(document.getElementById('chart-parallel'));"
                + " return c.getOption().series[0].data.length")).isEqualTo(3L);
        @SuppressWarnings("unchecked")
        List<String> axes = (List<String>) page.js("const c = echarts.getInstanceByDom("
                + "document.getElementById('chart-parallel')); return c.getOption().parallelAxis.map(a => a.name + ':' + a.type);");
        assertThat(axes).containsExactlyInAnyOrder("learningRate:log", "model:category", "batchSize:value",
                "val_mean_iou:value");
        // The pruned trial's row is greyed; the others are not.
        WebElement prunedRow = driver.findElement(By.cssSelector("#trials tr[data-state='PRUNED']"));
        assertThat(prunedRow.getAttribute("class")).contains("pruned");
        assertThat(prunedRow.getText()).contains(String.valueOf(PRUNED_TRIAL_RUN), "pruned at epoch 1");
        assertThat(driver.findElements(By.cssSelector("#trials tr.pruned"))).hasSize(1);
        // The objective chart: a point per trial with an objective, and the best-so-far line (max).
        @SuppressWarnings("unchecked")
        Map<String, Long> objective = (Map<String, Long>) page.js("const c = echarts.getInstanceByDom("
                + "document.getElementById('chart-objective')); const out = {};"
                + " for (const s of c.getOption().series) { out[s.name] = s.data.length; } return out;");
        assertThat(objective).containsEntry("succeeded", 2L).containsEntry("pruned", 1L);
        assertThat(objective.get("best so far (max)")).isGreaterThanOrEqualTo(2L);
        // The best trial (0.4 beats 0.3; the pruned one never is best) links to its run.
        assertThat(driver.findElement(By.cssSelector("#best-trial a")).getAttribute("href"))
                .endsWith("#/runs/" + BEST_TRIAL_RUN);
        page.screenshot("study-viewer");
        assertNoScriptRan();
        assertNoConsoleErrors();

        // A scientist stops it, after confirming.
        driver.findElement(By.id("sign-out")).click();
        page.signIn(SCIENTIST);
        driver.get(base() + "/#/studies/" + STUDY_ID);
        WebElement stop = page.waitUpTo(20).until(ExpectedConditions.visibilityOfElementLocated(By.id("stop-study")));
        page.waitUpTo(20).until(d -> d.findElements(By.cssSelector("#trials tr[data-trial]")).size() == 4);
        page.screenshot("study");
        stop.click();
        page.waitUpTo(20).until(ExpectedConditions.alertIsPresent()).accept();
        page.waitUpTo(20).until(d -> page.text("#study-status").equals("STOPPED"));
        assertThat(driver.findElement(By.id("stop-study")).isDisplayed()).isFalse();
        driver.findElement(By.cssSelector("#best-trial a")).click();
        page.waitUpTo(20).until(d -> d.getCurrentUrl().endsWith("#/runs/" + BEST_TRIAL_RUN));
        page.waitUpTo(20).until(d -> page.text("#run-status").contains("SUCCEEDED"));
        assertNoConsoleErrors();
    }

    @Test
    void aNewRunShowsTheServersFieldErrorsThenOpensTheRun() throws Exception {
        long experiment = post("/api/experiments", "{\"name\":\"new runs " + System.nanoTime() + "\"}").get("id").asLong();
        page = DashboardBrowser.open(1400, 1800);
        driver = page.driver();
        driver.get(base() + "/#/experiments/" + experiment);
        page.signIn(SCIENTIST);
        page.waitUpTo(20).until(ExpectedConditions.elementToBeClickable(By.id("new-run"))).click();
        WebElement editor = page.waitUpTo(20).until(ExpectedConditions.visibilityOfElementLocated(By.id("spec-editor")));
        JsonNode template = JSON.readTree(editor.getAttribute("value"));
        assertThat(template.at("/spec/model").asString()).isEqualTo("unet");

        // Epochs 0 and an image size that is no multiple of 32: both named next to the editor.
        setEditor(editor, template.toString().replace("\"epochs\":2", "\"epochs\":0")
                .replace("\"imageSize\":64", "\"imageSize\":33"));
        driver.findElement(By.id("spec-submit")).click();
        page.waitUpTo(20).until(ExpectedConditions.visibilityOfElementLocated(By.id("field-error-list")));
        assertThat(driver.findElement(By.cssSelector("#field-errors li[data-field='spec.epochs']")).getText())
                .startsWith("spec.epochs: ");
        assertThat(driver.findElements(By.cssSelector("#field-errors li[data-field='spec.imageSize']"))).hasSize(1);
        assertThat(driver.getCurrentUrl()).endsWith("/new-run");
        page.screenshot("new-run-errors");
        assertThat(page.consoleErrors()).isNotEmpty().allSatisfy(e -> assertThat(e.getMessage()).contains("/runs", "400"));

        // The template as given starts a run, and its page opens.
        driver.findElement(By.xpath("//form[@id='spec-form']//button[text()='Reset']")).click();
        driver.findElement(By.id("spec-submit")).click();
        page.waitUpTo(20).until(d -> d.getCurrentUrl().matches(".*#/runs/\\d+$"));
        page.waitUpTo(20).until(d -> page.text("#run-name").equals("dashboard run"));
        assertThat(page.text("#run-status")).contains("QUEUED");
        page.screenshot("new-run-created");

        // The study template is valid as given too.
        driver.get(base() + "/#/experiments/" + experiment + "/new-study");
        page.waitUpTo(20).until(ExpectedConditions.visibilityOfElementLocated(By.id("spec-editor")));
        page.screenshot("new-study");
        driver.findElement(By.id("spec-submit")).click();
        page.waitUpTo(20).until(d -> d.getCurrentUrl().matches(".*#/studies/\\d+$"));
        page.waitUpTo(20).until(d -> page.text("#study-name").equals("dashboard study"));
        assertNoConsoleErrors();
    }

    @Test
    void theNavigationLeadsToEveryPageAndAViewerSeesNoNewRun() throws Exception {
        page = DashboardBrowser.open(1400, 1800);
        driver = page.driver();
        driver.get(base() + "/#/experiments/" + EXPERIMENT_ID);
        page.signIn(VIEWER);
        page.waitUpTo(20).until(d -> d.findElements(By.cssSelector("#runs tbody tr[data-run-id]")).size() == 4);
        assertThat(driver.findElements(By.id("new-run"))).isEmpty();
        assertThat(driver.findElements(By.id("new-study"))).isEmpty();
        assertThat(driver.findElements(By.cssSelector("#nav a"))).extracting(WebElement::getText)
                .containsExactly("Experiments", "Queue", "Model");
        driver.findElement(By.id("nav-queue")).click();
        // The tables are drawn again on every poll, so each check reads the page in one go.
        String running = "#queue-running tr[data-run-id='" + RUNNING_RUN + "']";
        page.waitUpTo(20).until(ExpectedConditions.presenceOfElementLocated(By.cssSelector(running)));
        assertThat(page.text("#queue-running-count")).isEqualTo("1 running");
        assertThat(runIds("#queue-running")).containsExactly(String.valueOf(RUNNING_RUN));
        assertThat(page.text(running + " td.worker")).isEqualTo("dashboard-test");
        assertThat(page.js("return document.querySelectorAll(\"" + running + " progress\").length")).isEqualTo(1L);
        // Epoch 2 of 5 as set up, or 3 once the run page's test had the trainer report its next epoch.
        assertThat(page.text(running + " td.progress-cell")).matches("epoch [23] of 5\\s*ETA [57]m 0s");
        assertThat(page.text(running + " td.attempt")).isEqualTo("attempt 1, claimed 1×");
        assertThat(page.text(running)).contains(XSS_NAME, "#" + RUNNING_RUN);
        // The oldest queued run is first in claim order.
        assertThat(runIds("#queue-queued").get(0)).isEqualTo(String.valueOf(QUEUED_RUN));
        assertThat(page.text("#queue-queued tr[data-run-id='" + QUEUED_RUN + "'] td.position")).isEqualTo("1");
        assertThat(page.text("#queue-queued-count")).matches("\\d+ queued");
        page.screenshot("queue");
        // The page polls: a run queued now shows up last, and goes when it is cancelled.
        long elsewhere = post("/api/experiments", "{\"name\":\"queue " + System.nanoTime() + "\"}").get("id").asLong();
        long extra = post("/api/experiments/" + elsewhere + "/runs", """
                {"spec": {"model": "unet", "epochs": 1, "batchSize": 8, "learningRate": 0.01, "imageSize": 32,
                 "dataset": {"type": "synthetic", "count": 10}}}""").get("id").asLong();
        By extraRow = By.cssSelector("#queue-queued tr[data-run-id='" + extra + "']");
        page.waitUpTo(20).until(ExpectedConditions.presenceOfElementLocated(extraRow));
        List<String> queued = runIds("#queue-queued");
        assertThat(queued.get(queued.size() - 1)).isEqualTo(String.valueOf(extra));
        send("/api/runs/" + extra + "/cancel", "POST", "application/json", new byte[0], null, false);
        page.waitUpTo(20).until(d -> d.findElements(extraRow).isEmpty());
        // A viewer who opens the editor by its URL is told it may not start runs.
        driver.get(base() + "/#/experiments/" + EXPERIMENT_ID + "/new-run");
        page.waitUpTo(20).until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("main .error")));
        assertThat(driver.findElements(By.id("spec-editor"))).isEmpty();
        assertNoConsoleErrors();

        // The Model page with no inference service behind the gateway (here): the gateway's problem,
        // shown as text. DashboardModelTest shows it in front of a real one.
        driver.findElement(By.id("nav-model")).click();
        WebElement error = page.waitUpTo(20).until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("#model-status .error")));
        assertThat(error.getText()).contains("inference service cannot be reached");
        assertThat(driver.findElement(By.id("tryit-denied")).getText()).contains("admin, scientist or client");
        page.screenshot("model-unreachable");
        assertThat(page.consoleErrors()).isNotEmpty().allSatisfy(e -> assertThat(e.getMessage()).contains("/api/model", "502"));
    }

    /** How many requests this document made to URLs containing {@code path}. */
    private long requests(String path) {
        return (Long) ((JavascriptExecutor) driver).executeScript("return performance.getEntriesByType('resource')"
                + ".filter(e => e.name.includes(arguments[0])).length", path);
    }

    /** The run ids of a table's rows, in order, read in one go. */
    @SuppressWarnings("unchecked")
    private List<String> runIds(String table) {
        return (List<String>) ((JavascriptExecutor) driver).executeScript("return Array.from(document.querySelectorAll("
                + "arguments[0] + ' tbody tr[data-run-id]')).map(r => r.dataset.runId)", table);
    }

    /** The run page's attempt history: claim, worker, outcome and message of each row, read in one go. */
    @SuppressWarnings("unchecked")
    private List<List<String>> attempts() {
        return (List<List<String>>) page.js("return Array.from(document.querySelectorAll('#attempts tbody tr[data-claim]'))"
                + ".map(r => [0, 1, 4, 5].map(i => r.cells[i].textContent))");
    }

    private void setEditor(WebElement editor, String value) {
        ((JavascriptExecutor) driver).executeScript("arguments[0].value = arguments[1];", editor, value);
    }

    @SuppressWarnings("unchecked")
    private List<String> seriesNames(String chartId) {
        return (List<String>) page.js("const c = echarts.getInstanceByDom(document.getElementById('" + chartId + "'));"
                + " return c.getOption().series.map(s => s.name);");
    }

    /** A run an MLflow client logged (no job, no spec) is listed and shown like a trainer's run. */
    @Test
    void aRunLoggedByAnMlflowClientIsShownLikeAnyRun() throws Exception {
        long experiment = post("/api/experiments", "{\"name\":\"logged from MLflow\"}").get("id").asLong();
        String run = post("/api/2.0/mlflow/runs/create", "{\"experiment_id\":\"" + experiment
                + "\",\"run_name\":\"notebook-run\",\"start_time\":" + System.currentTimeMillis() + "}")
                .get("run").get("info").get("run_id").asString();
        StringBuilder points = new StringBuilder();
        for (int step = 1; step <= 3; step++) {
            points.append(step == 1 ? "" : ",").append("{\"key\":\"loss\",\"value\":").append(1.0 / step)
                    .append(",\"timestamp\":").append(System.currentTimeMillis()).append(",\"step\":").append(step)
                    .append('}');
        }
        post("/api/2.0/mlflow/runs/log-batch", "{\"run_id\":\"" + run + "\",\"metrics\":[" + points
                + "],\"params\":[{\"key\":\"lr\",\"value\":\"0.01\"}]}");
        post("/api/2.0/mlflow/runs/update", "{\"run_id\":\"" + run + "\",\"status\":\"FINISHED\"}");
        // Counted with the experiment like a trainer's run, by the status its client gave it.
        JsonNode counts = JSON.readTree(send("/api/experiments/" + experiment, "GET", "application/json", new byte[0],
                null, false)).get("runCounts");
        assertThat(counts.get("SUCCEEDED").asLong()).isEqualTo(1);
        assertThat(counts.get("QUEUED").asLong() + counts.get("RUNNING").asLong()).isZero();

        page = DashboardBrowser.open(1400, 1800);
        driver = page.driver();
        driver.get(base() + "/#/experiments/" + experiment);
        page.signIn(VIEWER);
        WebElement row = page.waitUpTo(20).until(ExpectedConditions.presenceOfElementLocated(
                By.cssSelector("#runs tr[data-run-id='" + run + "']")));
        page.waitUpTo(20).until(d -> row.getText().contains("SUCCEEDED"));
        assertThat(row.getText()).contains("notebook-run");

        driver.get(base() + "/#/runs/" + run);
        page.waitUpTo(20).until(d -> page.text("#run-status").contains("SUCCEEDED"));
        page.waitUpTo(20).until(d -> d.findElements(By.cssSelector("#chart-loss canvas")).size() > 0);
        assertThat(page.seriesLengths("loss").values()).contains(3L);
        assertNoConsoleErrors();
    }

    private static String xpathLiteral(String text) {
        return text.contains("'") ? "\"" + text + "\"" : "'" + text + "'";
    }

    @Test
    void aViewerSeesNoWriteControls() throws Exception {
        page = DashboardBrowser.open(1400, 1800);
        driver = page.driver();
        driver.get(base() + "/#/runs/" + RUNNING_RUN);
        page.signIn(VIEWER);
        page.waitUpTo(20).until(ExpectedConditions.visibilityOfElementLocated(By.id("run-progress")));
        page.waitUpTo(20).until(d -> d.findElements(By.cssSelector("#chart-loss canvas")).size() > 0);
        assertThat(driver.findElement(By.id("who-role")).getText()).isEqualTo("viewer");
        assertThat(driver.findElements(By.id("cancel-run"))).isEmpty();
        page.screenshot("run-viewer");

        driver.get(base() + "/#/experiments");
        page.waitUpTo(20).until(ExpectedConditions.presenceOfElementLocated(
                By.cssSelector("#experiments tr[data-experiment-id='" + EXPERIMENT_ID + "']")));
        assertThat(driver.findElements(By.id("create-experiment"))).isEmpty();
        assertThat(driver.findElements(By.cssSelector("#experiments button"))).isEmpty();

        // The key lives in this tab's sessionStorage only, never in a cookie or the URL.
        assertThat(page.js("return sessionStorage.getItem('segplatform.apiKey')")).isEqualTo(VIEWER);
        assertThat(page.js("return document.cookie")).isEqualTo("");
        assertThat(driver.getCurrentUrl()).doesNotContain(VIEWER);

        driver.findElement(By.id("sign-out")).click();
        page.waitUpTo(20).until(ExpectedConditions.visibilityOfElementLocated(By.id("api-key")));
        assertThat(page.js("return sessionStorage.getItem('segplatform.apiKey')")).isNull();
        assertNoConsoleErrors();
    }

    @Test
    void aWrongKeyIsRefusedOnTheSignInForm() throws Exception {
        page = DashboardBrowser.open(1400, 1800);
        driver = page.driver();
        driver.get(base() + "/");
        driver.findElement(By.id("api-key")).sendKeys("not-a-key");
        driver.findElement(By.cssSelector("#sign-in button[type=submit]")).click();
        WebElement error = page.waitUpTo(20).until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("#sign-in .error")));
        assertThat(error.getText()).contains("not valid");
        page.screenshot("sign-in");
        // The one expected console error is the browser's report of the 401 for the wrong key.
        List<LogEntry> errors = page.consoleErrors();
        assertThat(errors).allSatisfy(e -> assertThat(e.getMessage()).contains("/api/whoami", "401"));
    }

    // ---------- browser helpers ----------

    private void assertNoScriptRan() {
        assertThatThrownBy(() -> driver.switchTo().alert()).isInstanceOf(NoAlertPresentException.class);
        assertThat(page.js("return window.__xss === undefined")).isEqualTo(true);
    }

    private void assertNoConsoleErrors() {
        assertThat(page.consoleErrors()).isEmpty();
    }

    private String base() {
        return "http://localhost:" + port;
    }

    private HttpResponse<String> get(String path, String key) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base() + path));
        if (key != null) {
            request.header("X-API-Key", key);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    // ---------- the experiment service, written as a trainer writes it ----------

    private static long createRun(String model) throws Exception {
        return post("/api/experiments/" + EXPERIMENT_ID + "/runs", """
                {"spec": {"model": "%s", "epochs": %d, "batchSize": 8, "learningRate": 0.01, "imageSize": 32,
                 "width": 8, "dataset": {"type": "synthetic", "count": 10, "seed": 1}}}""".formatted(model, EPOCHS))
                .get("id").asLong();
    }

    /** The running run's worker reports progress, as on every heartbeat. */
    private static void heartbeat(int epoch, int etaSeconds) throws Exception {
        job("/api/jobs/" + RUNNING_CLAIM.get("jobId").asLong() + "/heartbeat", "{\"leaseToken\":\""
                + RUNNING_CLAIM.get("leaseToken").asString() + "\",\"progress\":{\"epoch\":" + epoch
                + ",\"epochs\":5,\"step\":10,\"stepsPerEpoch\":40,\"imagesPerSecond\":12.5,\"etaSeconds\":"
                + etaSeconds + "}}", null);
    }

    private static JsonNode claim() throws Exception {
        return claim("{\"workerId\":\"dashboard-test\"}");
    }

    private static JsonNode claim(String request) throws Exception {
        return JSON.readTree(job("/api/jobs/claim", request, null));
    }

    private static void complete(JsonNode claim, String outcome, String message) throws Exception {
        job("/api/jobs/" + claim.get("jobId").asLong() + "/complete", JSON.writeValueAsString(message == null
                ? Map.of("leaseToken", claim.get("leaseToken").asString(), "outcome", outcome)
                : Map.of("leaseToken", claim.get("leaseToken").asString(), "outcome", outcome, "message", message)), null);
    }

    /** One epoch's metrics in one batch, as the trainer logs them. */
    private static void logEpoch(long runId, String lease, int epoch) throws Exception {
        Map<String, Double> values = Map.of("loss", 1.2 / epoch, "val_loss", 1.3 / epoch, "accuracy", 0.6 + 0.1 * epoch,
                "val_accuracy", 0.55 + 0.1 * epoch, "mean_iou", 0.4 + 0.1 * epoch, "val_mean_iou", 0.42 + 0.1 * epoch,
                "val_iou_background", 0.5 + 0.1 * epoch, "val_iou_pet", 0.4 + 0.1 * epoch,
                "val_iou_border", 0.2 + 0.05 * epoch, "images_per_second", 30.0 + epoch);
        StringBuilder points = new StringBuilder();
        values.forEach((key, value) -> points.append(points.length() == 0 ? "" : ",")
                .append("{\"key\":\"").append(key).append("\",\"value\":").append(value)
                .append(",\"step\":").append(epoch).append('}'));
        job("/api/runs/" + runId + "/metrics", "{\"metrics\":[" + points + "]}", lease);
    }

    /** A square three-class mask, colored as a palette PNG would show it. */
    private static byte[] samplePng(int size) throws Exception {
        BufferedImage image = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
        int c = size / 2;
        for (int y = 0; y < size; y++) {
            for (int x = 0; x < size; x++) {
                int d = (x - c) * (x - c) + (y - c) * (y - c);
                image.setRGB(x, y, d < 80 ? 0x80c040 : d < 130 ? 0xf0f0f0 : 0x202060);
            }
        }
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        ImageIO.write(image, "png", png);
        return png.toByteArray();
    }

    private static void upload(long runId, String lease, String path, String contentType, byte[] body) throws Exception {
        send("/api/runs/" + runId + "/artifacts/" + path, "PUT", contentType, body, lease, false);
    }

    private static JsonNode post(String path, String json) throws Exception {
        return JSON.readTree(send(path, "POST", "application/json", json.getBytes(StandardCharsets.UTF_8), null, false));
    }

    private static String job(String path, String json, String lease) throws Exception {
        return send(path, "POST", "application/json", json.getBytes(StandardCharsets.UTF_8), lease, true);
    }

    private static String send(String path, String method, String contentType, byte[] body, String lease,
                                boolean internal) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(EXPERIMENT.url().resolve(path))
                .header("Content-Type", contentType).method(method, HttpRequest.BodyPublishers.ofByteArray(body));
        if (internal || lease != null) {
            request.header("X-Internal-Token", INTERNAL_TOKEN);
        }
        if (lease != null) {
            request.header("X-Lease-Token", lease);
        }
        HttpResponse<String> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() >= 300) {
            throw new IllegalStateException(method + " " + path + " -> " + response.statusCode() + ": " + response.body());
        }
        return response.body();
    }
}
