package dev.segplatform.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.NoAlertPresentException;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The dashboard in headless Chromium, through the gateway in front of a real experiment service
 * holding runs that were written through the job protocol as a trainer writes them: sign-in, the
 * experiments, runs and run pages, user strings shown as text, roles, security headers, and a
 * console without errors.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class DashboardTest {

    static final String XSS_NAME = "<img src=x onerror=window.__xss=1;alert(1)>";
    static final String XSS_MESSAGE = "<script>window.__xss=2</script> out of memory";
    static final String ADMIN = "dash-admin-key";
    static final String SCIENTIST = "dash-scientist-key";
    static final String VIEWER = "dash-viewer-key";
    static final int EPOCHS = 3;
    static final Path SCREENSHOTS = Path.of("target", "screenshots");

    static final JsonMapper JSON = JsonMapper.builder().build();
    static final HttpClient HTTP = HttpClient.newHttpClient();
    static final ServiceProcess EXPERIMENT;
    static final String INTERNAL_TOKEN;
    static final long EXPERIMENT_ID;
    static final long SUCCEEDED_RUN;
    static final long RUNNING_RUN;
    static final JsonNode RUNNING_CLAIM;
    static final long FAILED_RUN;
    static final long QUEUED_RUN;

    static {
        try {
            Path data = Files.createTempDirectory(Files.createDirectories(Path.of("target", "test-data")), "dashboard-");
            // A lease that outlasts the test, so the running run stays running.
            EXPERIMENT = ServiceProcess.experimentService(data, "--experiment.lease-duration=30m");
            INTERNAL_TOKEN = Files.readString(data.resolve("internal-token")).strip();
            EXPERIMENT_ID = post("/api/experiments", JSON.writeValueAsString(Map.of("name", XSS_NAME))).get("id").asLong();
            post("/api/experiments", "{\"name\":\"empty experiment\"}");

            SUCCEEDED_RUN = createRun("unet");
            JsonNode claim = claim();
            String lease = claim.get("leaseToken").asString();
            for (int epoch = 1; epoch <= EPOCHS; epoch++) {
                logEpoch(SUCCEEDED_RUN, lease, epoch);
            }
            upload(SUCCEEDED_RUN, lease, "samples/Abyssinian_1.png", "image/png", samplePng());
            upload(SUCCEEDED_RUN, lease, "model/bundle.zip", "application/zip", new byte[] {1, 2, 3});
            complete(claim, "SUCCEEDED", null);

            RUNNING_RUN = createRun("icnet");
            RUNNING_CLAIM = claim();
            logEpoch(RUNNING_RUN, RUNNING_CLAIM.get("leaseToken").asString(), 1);
            heartbeat(2, 420);

            FAILED_RUN = createRun("pspnet");
            complete(claim(), "FAILED", XSS_MESSAGE);

            QUEUED_RUN = createRun("unet");
        } catch (Exception e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @LocalServerPort
    int port;

    WebDriver driver;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        registry.add("gateway.experiment-url", () -> EXPERIMENT.url().toString());
        registry.add("gateway.inference-url", () -> "http://127.0.0.1:9");
        registry.add("gateway.admin-key", () -> ADMIN);
        String[][] keys = {{"scientist", "scientist", SCIENTIST}, {"viewer", "viewer", VIEWER}};
        for (int i = 0; i < keys.length; i++) {
            String[] key = keys[i];
            registry.add("gateway.api-keys[" + i + "].name", () -> key[0]);
            registry.add("gateway.api-keys[" + i + "].role", () -> key[1]);
            registry.add("gateway.api-keys[" + i + "].key", () -> key[2]);
        }
    }

    @AfterAll
    static void stop() throws Exception {
        EXPERIMENT.close();
    }

    @AfterEach
    void quit() {
        if (driver != null) {
            driver.quit();
        }
    }

    @Test
    void dashboardFilesArePublicAndCarryTheSecurityHeaders() throws Exception {
        for (String path : List.of("/", "/dashboard/app.js", "/dashboard/app.css", "/webjars/echarts/dist/echarts.min.js")) {
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
        driver = browser();
        driver.get(base() + "/#/experiments");
        signIn(SCIENTIST);

        // Page 1: the XSS name is shown as its characters, and nothing ran.
        WebElement row = wait(20).until(ExpectedConditions.presenceOfElementLocated(
                By.cssSelector("#experiments tr[data-experiment-id='" + EXPERIMENT_ID + "']")));
        assertThat(row.findElement(By.cssSelector("td.name a")).getText()).isEqualTo(XSS_NAME);
        wait(20).until(d -> row.findElement(By.cssSelector("td.counts")).getText().contains("succeeded 1"));
        assertThat(row.findElement(By.cssSelector("td.counts")).getText())
                .contains("queued 1", "running 1", "succeeded 1", "failed 1");
        assertThat(row.getText()).contains("0.7");
        assertThat(driver.findElements(By.id("create-experiment"))).hasSize(1);
        assertNoScriptRan();
        screenshot("experiments");

        // Page 2: the runs table, then a filter the server refuses, shown inline, then one it takes.
        row.findElement(By.cssSelector("td.name a")).click();
        wait(20).until(d -> d.findElements(By.cssSelector("#runs tbody tr[data-run-id]")).size() == 4);
        assertThat(driver.findElement(By.id("experiment-name")).getText()).isEqualTo(XSS_NAME);
        WebElement running = driver.findElement(By.cssSelector("#runs tr[data-run-id='" + RUNNING_RUN + "']"));
        assertThat(running.findElements(By.tagName("progress"))).hasSize(1);
        assertThat(running.getText()).contains("RUNNING", "ETA 7m 0s", "icnet");
        screenshot("runs");

        driver.findElement(By.cssSelector("th[data-order='metrics.val_mean_iou']")).click();
        wait(20).until(d -> d.getCurrentUrl().contains("orderBy=metrics.val_mean_iou"));
        wait(20).until(d -> d.findElements(By.cssSelector("#runs tbody tr[data-run-id]")).size() == 4);

        WebElement filter = driver.findElement(By.id("filter"));
        filter.clear();
        filter.sendKeys("metrics.val_mean_iou > 0.6");
        driver.findElement(By.cssSelector("#filter-form button[type=submit]")).click();
        wait(20).until(d -> d.findElements(By.cssSelector("#runs tbody tr[data-run-id]")).size() == 1
                && d.findElements(By.cssSelector("#runs tr[data-run-id='" + SUCCEEDED_RUN + "']")).size() == 1);
        assertThat(driver.findElements(By.cssSelector("#filter-error .error"))).isEmpty();

        // Page 3: curves with one point per epoch, the sample mask decoded from an authenticated blob.
        driver.findElement(By.cssSelector("#runs tr[data-run-id='" + SUCCEEDED_RUN + "'] td.name a")).click();
        wait(20).until(d -> d.findElements(By.cssSelector("#chart-loss canvas")).size() > 0);
        assertThat(seriesLengths("loss")).isEqualTo(Map.of("loss", (long) EPOCHS, "val_loss", (long) EPOCHS));
        assertThat(seriesLengths("iou")).isEqualTo(Map.of("mean_iou", (long) EPOCHS, "val_mean_iou", (long) EPOCHS));
        assertThat(seriesLengths("class-iou")).containsOnlyKeys("val_iou_background", "val_iou_border", "val_iou_pet");
        assertThat(seriesLengths("throughput")).isEqualTo(Map.of("images_per_second", (long) EPOCHS));
        wait(20).until(d -> ((Number) js("const i = document.querySelector('#samples img');"
                + " return i && i.complete ? i.naturalWidth : 0;")).intValue() > 0);
        assertThat(((Number) js("return document.querySelector('#samples img').naturalWidth")).intValue()).isEqualTo(32);
        assertThat(driver.findElement(By.id("params")).getText()).contains("learningRate", "unet");
        assertThat(driver.findElement(By.id("artifacts")).getText()).contains("model/bundle.zip", "samples/Abyssinian_1.png");
        assertThat(driver.findElement(By.id("run-name")).getText()).isNotBlank();
        // A finished run has nothing to cancel.
        assertThat(driver.findElement(By.id("cancel-run")).isDisplayed()).isFalse();
        screenshot("run");

        driver.get(base() + "/#/runs/" + FAILED_RUN);
        WebElement message = wait(20).until(ExpectedConditions.visibilityOfElementLocated(By.id("run-message")));
        assertThat(message.getText()).isEqualTo(XSS_MESSAGE);
        assertThat(driver.findElement(By.id("run-attempt")).getText()).startsWith("1");
        screenshot("run-failed");

        driver.get(base() + "/#/runs/" + RUNNING_RUN);
        WebElement cancel = wait(20).until(ExpectedConditions.visibilityOfElementLocated(By.id("cancel-run")));
        assertThat(text("#run-progress")).contains("epoch 2 of 5");
        wait(20).until(d -> d.findElements(By.cssSelector("#chart-loss canvas")).size() > 0);
        assertThat(seriesLengths("loss")).isEqualTo(Map.of("loss", 1L, "val_loss", 1L));
        screenshot("run-running");
        assertThat(cancel.isEnabled()).isTrue();

        // The trainer finishes epoch 2: the page's next poll shows it, curves and progress.
        logEpoch(RUNNING_RUN, RUNNING_CLAIM.get("leaseToken").asString(), 2);
        heartbeat(3, 300);
        wait(20).until(d -> seriesLengths("loss").equals(Map.of("loss", 2L, "val_loss", 2L)));
        wait(20).until(d -> text("#run-progress").contains("epoch 3 of 5"));
        assertThat(seriesLengths("class-iou")).containsValues(2L);
        assertNoScriptRan();
        assertNoConsoleErrors();
    }

    @Test
    void aFilterTheServerRefusesIsShownInline() throws Exception {
        driver = browser();
        driver.get(base() + "/#/experiments/" + EXPERIMENT_ID);
        signIn(VIEWER);
        wait(20).until(d -> d.findElements(By.cssSelector("#runs tbody tr[data-run-id]")).size() == 4);
        WebElement filter = driver.findElement(By.id("filter"));
        filter.sendKeys("metrics.val_mean_iou >");
        driver.findElement(By.cssSelector("#filter-form button[type=submit]")).click();
        WebElement error = wait(20).until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("#filter-error .error")));
        assertThat(error.getText()).isNotBlank();
        assertThat(driver.getCurrentUrl()).contains("filter=metrics.val_mean_iou");
        assertThat(driver.findElements(By.cssSelector("#runs tbody tr[data-run-id]"))).isEmpty();
        screenshot("runs-filter-error");
        // The one expected console error is the browser's report of the refused search.
        assertThat(consoleErrors()).isNotEmpty().allSatisfy(e -> assertThat(e.getMessage()).contains("/api/runs?", "400"));
    }

    @Test
    void aScientistCreatesRenamesAndDeletesAnExperimentAndCancelsARun() throws Exception {
        driver = browser();
        driver.get(base() + "/#/experiments");
        signIn(SCIENTIST);
        String name = "lab <b>" + System.nanoTime() + "</b>";
        WebElement input = wait(20).until(ExpectedConditions.visibilityOfElementLocated(By.id("new-experiment-name")));
        input.sendKeys(name);
        driver.findElement(By.cssSelector("#create-experiment button[type=submit]")).click();
        By created = By.xpath("//table[@id='experiments']//tr[td[contains(@class,'name')]/a[text()=" + xpathLiteral(name) + "]]");
        WebElement row = wait(20).until(ExpectedConditions.presenceOfElementLocated(created));
        long id = Long.parseLong(row.getAttribute("data-experiment-id"));

        row.findElement(By.xpath(".//button[text()='Rename']")).click();
        WebElement rename = wait(20).until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("input.rename")));
        rename.clear();
        rename.sendKeys(name + " renamed");
        rename.submit();
        wait(20).until(d -> text("#experiments tr[data-experiment-id='" + id + "'] td.name a").equals(name + " renamed"));

        // A queued run in it, cancelled from its page: it ends at once and the button goes.
        long run = post("/api/experiments/" + id + "/runs", """
                {"spec": {"model": "unet", "epochs": 1, "batchSize": 8, "learningRate": 0.01, "imageSize": 32,
                 "dataset": {"type": "synthetic", "count": 10}}}""")
                .get("id").asLong();
        driver.get(base() + "/#/runs/" + run);
        wait(20).until(ExpectedConditions.visibilityOfElementLocated(By.id("cancel-run"))).click();
        wait(20).until(d -> text("#run-status").contains("CANCELLED"));
        assertThat(driver.findElement(By.id("cancel-run")).isDisplayed()).isFalse();

        driver.get(base() + "/#/experiments");
        WebElement again = wait(20).until(ExpectedConditions.presenceOfElementLocated(
                By.cssSelector("#experiments tr[data-experiment-id='" + id + "']")));
        again.findElement(By.xpath(".//button[text()='Delete']")).click();
        wait(20).until(ExpectedConditions.alertIsPresent()).accept();
        wait(20).until(ExpectedConditions.invisibilityOfElementLocated(
                By.cssSelector("#experiments tr[data-experiment-id='" + id + "']")));
        wait(20).until(ExpectedConditions.presenceOfElementLocated(
                By.cssSelector("#experiments tr[data-experiment-id='" + EXPERIMENT_ID + "']")));
        assertThat(driver.findElements(By.cssSelector("#experiments tr[data-experiment-id='" + id + "']"))).isEmpty();
        assertNoConsoleErrors();
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

        driver = browser();
        driver.get(base() + "/#/experiments/" + experiment);
        signIn(VIEWER);
        WebElement row = wait(20).until(ExpectedConditions.presenceOfElementLocated(
                By.cssSelector("#runs tr[data-run-id='" + run + "']")));
        wait(20).until(d -> row.getText().contains("SUCCEEDED"));
        assertThat(row.getText()).contains("notebook-run");

        driver.get(base() + "/#/runs/" + run);
        wait(20).until(d -> text("#run-status").contains("SUCCEEDED"));
        wait(20).until(d -> d.findElements(By.cssSelector("#chart-loss canvas")).size() > 0);
        assertThat(seriesLengths("loss").values()).contains(3L);
        assertNoConsoleErrors();
    }

    private static String xpathLiteral(String text) {
        return text.contains("'") ? "\"" + text + "\"" : "'" + text + "'";
    }

    @Test
    void aViewerSeesNoWriteControls() throws Exception {
        driver = browser();
        driver.get(base() + "/#/runs/" + RUNNING_RUN);
        signIn(VIEWER);
        wait(20).until(ExpectedConditions.visibilityOfElementLocated(By.id("run-progress")));
        wait(20).until(d -> d.findElements(By.cssSelector("#chart-loss canvas")).size() > 0);
        assertThat(driver.findElement(By.id("who-role")).getText()).isEqualTo("viewer");
        assertThat(driver.findElements(By.id("cancel-run"))).isEmpty();
        screenshot("run-viewer");

        driver.get(base() + "/#/experiments");
        wait(20).until(ExpectedConditions.presenceOfElementLocated(
                By.cssSelector("#experiments tr[data-experiment-id='" + EXPERIMENT_ID + "']")));
        assertThat(driver.findElements(By.id("create-experiment"))).isEmpty();
        assertThat(driver.findElements(By.cssSelector("#experiments button"))).isEmpty();

        // The key lives in this tab's sessionStorage only, never in a cookie or the URL.
        assertThat(js("return sessionStorage.getItem('segplatform.apiKey')")).isEqualTo(VIEWER);
        assertThat(js("return document.cookie")).isEqualTo("");
        assertThat(driver.getCurrentUrl()).doesNotContain(VIEWER);

        driver.findElement(By.id("sign-out")).click();
        wait(20).until(ExpectedConditions.visibilityOfElementLocated(By.id("api-key")));
        assertThat(js("return sessionStorage.getItem('segplatform.apiKey')")).isNull();
        assertNoConsoleErrors();
    }

    @Test
    void aWrongKeyIsRefusedOnTheSignInForm() throws Exception {
        driver = browser();
        driver.get(base() + "/");
        driver.findElement(By.id("api-key")).sendKeys("not-a-key");
        driver.findElement(By.cssSelector("#sign-in button[type=submit]")).click();
        WebElement error = wait(20).until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("#sign-in .error")));
        assertThat(error.getText()).contains("not valid");
        screenshot("sign-in");
        // The one expected console error is the browser's report of the 401 for the wrong key.
        List<LogEntry> errors = consoleErrors();
        assertThat(errors).allSatisfy(e -> assertThat(e.getMessage()).contains("/api/whoami", "401"));
    }

    // ---------- browser helpers ----------

    private WebDriver browser() {
        Path chromium = Browser.chromium();
        Path chromedriver = Path.of("/usr/bin/chromedriver");
        if (!Files.isExecutable(chromedriver)) {
            if ("true".equals(System.getenv("CI"))) {
                throw new AssertionError("chromedriver is required in CI: install the Debian package 'chromium-driver'");
            }
            org.junit.jupiter.api.Assumptions.abort("chromedriver not installed (apt-get install chromium-driver)");
        }
        ChromeOptions options = new ChromeOptions();
        options.setBinary(chromium.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--window-size=1400,1800");
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.BROWSER, Level.ALL);
        options.setCapability("goog:loggingPrefs", logs);
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(chromedriver.toFile())
                .usingAnyFreePort().build();
        return new ChromeDriver(service, options);
    }

    private void signIn(String key) {
        WebElement input = wait(20).until(ExpectedConditions.visibilityOfElementLocated(By.id("api-key")));
        input.sendKeys(key);
        driver.findElement(By.cssSelector("#sign-in button[type=submit]")).click();
        wait(20).until(ExpectedConditions.visibilityOfElementLocated(By.id("who-role")));
    }

    private WebDriverWait wait(int seconds) {
        return new WebDriverWait(driver, Duration.ofSeconds(seconds));
    }

    /** The text of the first element matching a CSS selector, read in one go (pages re-render as they poll). */
    private String text(String selector) {
        Object text = ((JavascriptExecutor) driver).executeScript(
                "const e = document.querySelector(arguments[0]); return e ? e.textContent : '';", selector);
        return String.valueOf(text);
    }

    private Object js(String script) {
        return ((JavascriptExecutor) driver).executeScript(script);
    }

    @SuppressWarnings("unchecked")
    private Map<String, Long> seriesLengths(String chart) {
        return (Map<String, Long>) js("const c = echarts.getInstanceByDom(document.getElementById('chart-" + chart + "'));"
                + " const out = {}; for (const s of c.getOption().series) { out[s.name] = s.data.length; } return out;");
    }

    private void assertNoScriptRan() {
        assertThatThrownBy(() -> driver.switchTo().alert()).isInstanceOf(NoAlertPresentException.class);
        assertThat(js("return window.__xss === undefined")).isEqualTo(true);
    }

    private List<LogEntry> consoleErrors() {
        return driver.manage().logs().get(LogType.BROWSER).getAll().stream()
                .filter(e -> e.getLevel().intValue() >= Level.SEVERE.intValue())
                .filter(e -> !e.getMessage().contains("favicon"))
                .toList();
    }

    private void assertNoConsoleErrors() {
        assertThat(consoleErrors()).isEmpty();
    }

    private void screenshot(String name) throws Exception {
        Files.createDirectories(SCREENSHOTS);
        Path shot = ((TakesScreenshot) driver).getScreenshotAs(OutputType.FILE).toPath();
        Files.copy(shot, SCREENSHOTS.resolve(name + ".png"), StandardCopyOption.REPLACE_EXISTING);
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
        return JSON.readTree(job("/api/jobs/claim", "{\"workerId\":\"dashboard-test\"}", null));
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

    /** A 32x32 three-class mask, colored as a palette PNG would show it. */
    private static byte[] samplePng() throws Exception {
        BufferedImage image = new BufferedImage(32, 32, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 32; y++) {
            for (int x = 0; x < 32; x++) {
                int d = (x - 16) * (x - 16) + (y - 16) * (y - 16);
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
