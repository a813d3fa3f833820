package dev.segplatform.gateway;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A headless Chromium driven through Debian's chromedriver with the W3C WebDriver protocol: plain JSON
 * over HTTP, so the browser test needs no Selenium (not among the build's dependencies). Only the few
 * commands the Swagger UI test uses: open a page, find elements (waiting for them), click, type, read
 * text, take a screenshot.
 */
final class WebDriverSession implements AutoCloseable {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    /** The W3C protocol's key for an element reference. */
    private static final String ELEMENT = "element-6066-11e4-a52e-4f735466cecf";

    private final Process driver;
    private final HttpClient http = HttpClient.newHttpClient();
    private final URI base;
    private final String session;

    private WebDriverSession(Process driver, URI base, String session) {
        this.driver = driver;
        this.base = base;
        this.session = session;
    }

    /** A new browser; skipped (or failed in CI) like {@link Browser#chromium()} when chromedriver is missing. */
    static WebDriverSession start() throws Exception {
        Path chromium = Browser.chromium();
        Path chromedriver = Stream.of("/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver").map(Path::of)
                .filter(Files::isExecutable).findFirst().orElse(null);
        if (chromedriver == null) {
            if ("true".equals(System.getenv("CI"))) {
                throw new AssertionError("chromedriver is required in CI: install the Debian package 'chromium-driver'");
            }
            Assumptions.abort("chromedriver not installed (apt-get install chromium-driver)");
        }
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        Path logs = Files.createDirectories(Path.of("target", "chromium"));
        Process driver = new ProcessBuilder(chromedriver.toString(), "--port=" + port)
                .redirectErrorStream(true).redirectOutput(logs.resolve("chromedriver-" + port + ".log").toFile())
                .start();
        URI base = URI.create("http://localhost:" + port);
        WebDriverSession probe = new WebDriverSession(driver, base, null);
        try {
            Instant deadline = Instant.now().plusSeconds(30);
            while (true) {
                try {
                    if (probe.call("GET", "/status", null).path("ready").asBoolean()) {
                        break;
                    }
                } catch (IOException notYet) {
                    // still starting
                }
                if (Instant.now().isAfter(deadline)) {
                    throw new IllegalStateException("chromedriver did not start within 30 s");
                }
                Thread.sleep(200);
            }
            Path profile = Files.createTempDirectory(logs, "profile-");
            Map<String, Object> options = Map.of("binary", chromium.toString(), "args", List.of("--headless=new",
                    "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    "--disable-quic", "--window-size=1400,1800", "--user-data-dir=" + profile));
            JsonNode created = probe.call("POST", "/session", Map.of("capabilities",
                    Map.of("alwaysMatch", Map.of("browserName", "chrome", "goog:chromeOptions", options))));
            WebDriverSession session = new WebDriverSession(driver, base, created.get("sessionId").asString());
            session.command("POST", "/timeouts", Map.of("implicit", 0, "pageLoad", 60_000, "script", 30_000));
            return session;
        } catch (Exception e) {
            driver.destroy();
            throw e;
        }
    }

    void open(String url) throws IOException, InterruptedException {
        command("POST", "/url", Map.of("url", url));
    }

    /** The first element matching the XPath, waiting up to 30 s for it to appear. */
    String await(String xpath) throws IOException, InterruptedException {
        Instant deadline = Instant.now().plusSeconds(30);
        while (true) {
            JsonNode found = command("POST", "/elements", Map.of("using", "xpath", "value", xpath));
            if (!found.isEmpty()) {
                return found.get(0).get(ELEMENT).asString();
            }
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("no element " + xpath + " within 30 s");
            }
            Thread.sleep(200);
        }
    }

    void click(String element) throws IOException, InterruptedException {
        command("POST", "/element/" + element + "/click", Map.of());
    }

    void type(String element, String text) throws IOException, InterruptedException {
        command("POST", "/element/" + element + "/value", Map.of("text", text));
    }

    String text(String element) throws IOException, InterruptedException {
        return command("GET", "/element/" + element + "/text", null).asString();
    }

    /** A picture of one element, scrolled into view. */
    void screenshot(Path file, String element) throws IOException, InterruptedException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.write(file, Base64.getDecoder().decode(
                command("GET", "/element/" + element + "/screenshot", null).asString()));
    }

    /** The page's current DOM, serialized. */
    String source() throws IOException, InterruptedException {
        return command("GET", "/source", null).asString();
    }

    void screenshot(Path file) throws IOException, InterruptedException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.write(file, Base64.getDecoder().decode(command("GET", "/screenshot", null).asString()));
    }

    private JsonNode command(String method, String path, Object body) throws IOException, InterruptedException {
        return call(method, "/session/" + session + path, body);
    }

    /** One WebDriver command; its {@code value}, or an AssertionError with the driver's error. */
    private JsonNode call(String method, String path, Object body) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(90));
        request = body == null ? request.method(method, HttpRequest.BodyPublishers.noBody())
                : request.header("Content-Type", "application/json")
                        .method(method, HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
        HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        JsonNode value = JSON.readTree(response.body()).path("value");
        if (response.statusCode() != 200) {
            throw new AssertionError("WebDriver " + method + " " + path + " -> " + response.statusCode() + ": "
                    + value.path("error").asString() + ": " + value.path("message").asString());
        }
        return value;
    }

    @Override
    public void close() throws Exception {
        try {
            if (session != null) {
                command("DELETE", "", null);
            }
        } finally {
            driver.destroy();
            driver.waitFor();
        }
    }
}
