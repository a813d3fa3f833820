package dev.segplatform.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.segplatform.testsupport.HeadlessChromium;
import dev.segplatform.testsupport.ServiceProcess;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The one Swagger UI, loaded in headless Chromium through the gateway in front of the real
 * experiment and inference services, shows both services' endpoints, and with an API key entered
 * under Authorize its "Try it out" gets through the gateway.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class SwaggerUiTest {

    static final String ADMIN_KEY = "swagger-admin";
    static final Path SCREENSHOTS = Path.of("target", "screenshots");
    static final JsonMapper JSON = JsonMapper.builder().build();
    static final ServiceProcess EXPERIMENT;
    static final ServiceProcess INFERENCE;

    static {
        try {
            Path data = Files.createTempDirectory(Files.createDirectories(Path.of("target", "test-data")), "swagger-");
            EXPERIMENT = ServiceProcess.experimentService(data);
            // No model yet, so the inference service is alive but not ready; its document is served all the same.
            INFERENCE = ServiceProcess.fromJar("inference-service", data.resolve("inference-service.log"), "/livez",
                    "--inference.experiment-url=" + EXPERIMENT.url());
        } catch (Exception e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @LocalServerPort
    int port;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        registry.add("gateway.experiment-url", () -> EXPERIMENT.url().toString());
        registry.add("gateway.inference-url", () -> INFERENCE.url().toString());
        registry.add("gateway.admin-key", () -> ADMIN_KEY);
    }

    @AfterAll
    static void stop() throws Exception {
        INFERENCE.close();
        EXPERIMENT.close();
    }

    @Test
    void listsTheExperimentAndInferenceEndpoints() throws Exception {
        String experiment = render("/swagger-ui/index.html?urls.primaryName=experiment-service");
        assertThat(experiment).contains("experiment-service").contains("inference-service");
        assertThat(experiment).contains("/api/experiments").contains("/api/runs/{id}").contains("/api/models/best");
        assertThat(experiment).doesNotContain("Failed to load API definition");

        String inference = render("/swagger-ui/index.html?urls.primaryName=inference-service");
        assertThat(inference).contains("/api/segment").contains("/v2/models/{name}/infer");
        assertThat(inference).doesNotContain("Failed to load API definition");
    }

    @Test
    void theDocumentsDeclareTheKeySchemesAndTheServicesTitles() throws Exception {
        for (String service : new String[] {"experiment", "inference"}) {
            JsonNode document = get("/v3/api-docs/" + service);
            String title = service.substring(0, 1).toUpperCase() + service.substring(1) + " service";
            assertThat(document.at("/info/title").asString()).isEqualTo(title);
            assertThat(document.at("/info/version").asString()).isEqualTo("0.1.0-SNAPSHOT");
            assertThat(document.at("/info/description").asString()).isNotBlank();
            JsonNode schemes = document.at("/components/securitySchemes");
            assertThat(schemes.at("/apiKey/type").asString()).isEqualTo("apiKey");
            assertThat(schemes.at("/apiKey/in").asString()).isEqualTo("header");
            assertThat(schemes.at("/apiKey/name").asString()).isEqualTo("X-API-Key");
            assertThat(schemes.at("/bearer/type").asString()).isEqualTo("http");
            assertThat(schemes.at("/bearer/scheme").asString()).isEqualTo("bearer");
            assertThat(schemes.has("internalToken")).isFalse();
            // Either scheme will do: two alternative requirements.
            assertThat(document.get("security").toString()).isEqualTo("[{\"apiKey\":[]},{\"bearer\":[]}]");
        }
        // The trainers' job protocol is not routed by the gateway, so it is not in the public document.
        JsonNode experiment = get("/v3/api-docs/experiment");
        assertThat(experiment.get("paths").has("/api/experiments")).isTrue();
        assertThat(experiment.get("paths").propertyNames()).noneMatch(path -> path.startsWith("/api/jobs"));

        // The UI lists the services' documents only; the gateway has no (empty) document of its own.
        JsonNode config = get("/v3/api-docs/gateway/swagger-config");
        assertThat(config.get("urls").findValuesAsString("url"))
                .containsExactlyInAnyOrder("/v3/api-docs/experiment", "/v3/api-docs/inference");
        assertThat(send("/v3/api-docs/gateway").statusCode()).isEqualTo(404);
    }

    @Test
    void tryItOutSucceedsWithTheKeyEnteredUnderAuthorize() throws Exception {
        ChromeDriver browser = HeadlessChromium.start(1400, 1800);
        try {
            authorizeAndTryItOut(browser);
        } catch (AssertionError | RuntimeException e) {
            // What the page showed, for the report.
            Files.createDirectories(SCREENSHOTS);
            Files.write(SCREENSHOTS.resolve("swagger-failure.png"), browser.getScreenshotAs(OutputType.BYTES));
            Files.writeString(SCREENSHOTS.resolve("swagger-failure.html"), browser.getPageSource());
            throw e;
        } finally {
            browser.quit();
        }
    }

    private void authorizeAndTryItOut(ChromeDriver browser) throws Exception {
        browser.get("http://localhost:" + port + "/swagger-ui.html?urls.primaryName=experiment-service");
        assertThat(await(browser, "//div[contains(@class,'info')]//*[contains(@class,'title')]").getText())
                .contains("Experiment service");

        await(browser, "//div[contains(@class,'auth-wrapper')]//button[contains(@class,'authorize')]").click();
        String apiKeyForm = "//div[contains(@class,'auth-container')][.//*[contains(text(),'X-API-Key')]]";
        await(browser, apiKeyForm + "//input").sendKeys(ADMIN_KEY);
        await(browser, apiKeyForm + "//button[@type='submit']").click();
        await(browser, apiKeyForm + "//h6[text()='Authorized']");
        await(browser, "//button[contains(@class,'btn-done')]").click();

        String operation = "//div[contains(@class,'opblock-get')][.//*[@data-path='/api/experiments']]";
        await(browser, operation + "//button[contains(@class,'opblock-summary-control')]").click();
        await(browser, operation + "//button[contains(@class,'try-out__btn')]").click();
        await(browser, operation + "//button[contains(@class,'execute')]").click();
        String status = await(browser, operation
                + "//table[contains(@class,'live-responses-table')]/tbody//td[contains(@class,'response-col_status')]")
                .getText();
        // The operation as run: its lock closed, the curl line with the key, the response.
        Files.createDirectories(SCREENSHOTS);
        Files.write(SCREENSHOTS.resolve("swagger-authorized.png"),
                await(browser, operation).getScreenshotAs(OutputType.BYTES));
        assertThat(status).isEqualTo("200");
    }

    /** The first element matching the XPath, once it is shown. */
    private static WebElement await(ChromeDriver browser, String xpath) {
        WebElement found = new WebDriverWait(browser, Duration.ofSeconds(30))
                .until(ExpectedConditions.visibilityOfElementLocated(By.xpath(xpath)));
        ((JavascriptExecutor) browser).executeScript("arguments[0].scrollIntoView({block: 'center'});", found);
        return found;
    }

    private JsonNode get(String path) throws Exception {
        HttpResponse<String> response = send(path);
        assertThat(response.statusCode()).as(path + ": " + response.body()).isEqualTo(200);
        return JSON.readTree(response.body());
    }

    private HttpResponse<String> send(String path) throws Exception {
        return HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create("http://localhost:" + port + path)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** The page's DOM once Swagger UI has drawn the document's operations (or its error). */
    private String render(String path) {
        ChromeDriver browser = HeadlessChromium.start(1400, 1800);
        try {
            browser.get("http://localhost:" + port + path);
            new WebDriverWait(browser, Duration.ofSeconds(60)).until(ExpectedConditions.presenceOfElementLocated(
                    By.cssSelector(".opblock, .errors-wrapper, .loading-container .errors")));
            return browser.getPageSource();
        } finally {
            browser.quit();
        }
    }
}
