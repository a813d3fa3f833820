package dev.segplatform.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.segplatform.testsupport.RawHttp;
import dev.segplatform.testsupport.RawHttp.Reply;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * What an attacker sends the front door: malformed paths and headers, unsupported methods, bodies
 * over each route's limit. Every refusal is a problem detail; bodies within a route's limit pass
 * through byte for byte, whatever their content type says. Both backends are echoing stand-ins here.
 */
@Tag("reliability")
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class GatewayHardeningTest {

    static final String KEY = "hardening-admin";
    static final StubBackend EXPERIMENT;
    static final StubBackend INFERENCE;

    static {
        try {
            EXPERIMENT = new StubBackend();
            INFERENCE = new StubBackend();
        } catch (IOException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @LocalServerPort
    int port;
    final HttpClient http = HttpClient.newHttpClient();

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        registry.add("gateway.experiment-url", () -> EXPERIMENT.url().toString());
        registry.add("gateway.inference-url", () -> INFERENCE.url().toString());
        registry.add("gateway.admin-key", () -> KEY);
        registry.add("gateway.max-request-size", () -> "64KB");
        registry.add("gateway.max-segment-request-size", () -> "1MB");
        registry.add("gateway.max-artifact-size", () -> "4MB");
    }

    @AfterAll
    static void stop() {
        EXPERIMENT.close();
        INFERENCE.close();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"/api/runs/1%2fartifacts", "/api/runs%5c1", "/api/runs/%00", "/api/experiments/..%2f..%2fetc"})
    void malformedPathsAreProblemDetails(String path) throws IOException {
        Reply response = RawHttp.exchange(port, "GET " + path + " HTTP/1.1\r\nX-API-Key: " + KEY);
        assertThat(response.status()).isEqualTo(400);
        assertProblem(response, "malformed-request");
    }

    @Test
    void headersAndRequestLinesOver8KbAreProblemDetails() throws IOException {
        String big = "a".repeat(9_000);
        Reply header = RawHttp.exchange(port, "GET /api/runs HTTP/1.1\r\nX-Big: " + big);
        assertThat(header.status()).isEqualTo(400);
        assertProblem(header, "malformed-request");
        Reply url = RawHttp.exchange(port, "GET /api/runs?x=" + big + " HTTP/1.1");
        assertThat(url.status()).isEqualTo(400);
        assertProblem(url, "malformed-request");
    }

    @Test
    void traceAndUnroutedPathsAreProblemDetailsWithAType() throws IOException {
        Reply trace = RawHttp.exchange(port, "TRACE /api/runs HTTP/1.1\r\nX-API-Key: " + KEY);
        assertThat(trace.status()).isEqualTo(405);
        assertProblem(trace, "method-not-allowed");
        Reply unrouted = RawHttp.exchange(port, "GET /api/nothing-here HTTP/1.1\r\nX-API-Key: " + KEY);
        assertThat(unrouted.status()).isEqualTo(404);
        JsonNode problem = assertProblem(unrouted, "not-found");
        assertThat(problem.get("detail").asString()).contains("/api/experiments");
    }

    @Test
    void eachRouteHasItsOwnBodyLimit() throws Exception {
        byte[] json = new byte[100 * 1024]; // over the 64 KB JSON limit
        HttpResponse<String> tracking = send("POST", "/api/experiments", "application/json", json, false);
        assertThat(tracking.statusCode()).isEqualTo(413);
        assertThat(JsonMapper.builder().build().readTree(tracking.body()).get("type").asString())
                .isEqualTo("urn:segplatform:problem:payload-too-large");
        assertThat(send("POST", "/api/experiments", "application/json", json, true).statusCode())
                .as("a chunked body is counted as it streams").isEqualTo(413);

        byte[] image = random(512 * 1024); // within segmentation's 1 MB
        HttpResponse<String> segment = send("POST", "/api/segment", "image/png", image, false);
        assertThat(segment.statusCode()).isEqualTo(200);
        assertThat(send("POST", "/api/segment", "image/png", random(2 * 1024 * 1024), true).statusCode())
                .isEqualTo(413);

        // Artifacts: 3 MB passes (limit 4 MB), 5 MB does not, whether declared or chunked.
        assertThat(send("PUT", "/api/runs/1/artifacts/model/bundle.zip", "application/octet-stream",
                random(5 * 1024 * 1024), false).statusCode()).isEqualTo(413);
        assertThat(send("PUT", "/api/runs/1/artifacts/model/bundle.zip", "application/octet-stream",
                random(5 * 1024 * 1024), true).statusCode()).isEqualTo(413);
        // Only PUT to an artifact path gets the artifact limit.
        assertThat(send("POST", "/api/runs/1/artifacts/model/bundle.zip", "application/octet-stream",
                random(3 * 1024 * 1024), false).statusCode()).isEqualTo(413);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
            "application/octet-stream", "text/plain", ""})
    void anArtifactPutStreamsItsBytesWhateverTheContentTypeSays(String contentType) throws Exception {
        byte[] bundle = random(3 * 1024 * 1024);
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://localhost:" + port
                        + "/api/runs/7/artifacts/model/bundle.zip"))
                .header("X-API-Key", KEY).PUT(HttpRequest.BodyPublishers.ofByteArray(bundle));
        if (!contentType.isEmpty()) {
            request.header("Content-Type", contentType);
        }
        HttpResponse<byte[]> echoed = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
        assertThat(echoed.statusCode()).isEqualTo(200);
        assertThat(echoed.body()).as("the backend received the exact bytes").isEqualTo(bundle);
    }

    private HttpResponse<String> send(String method, String path, String type, byte[] body, boolean chunked)
            throws Exception {
        HttpRequest.BodyPublisher publisher = chunked
                ? HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body))
                : HttpRequest.BodyPublishers.ofByteArray(body);
        return http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
                .header("X-API-Key", KEY).header("Content-Type", type).method(method, publisher).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static byte[] random(int size) {
        byte[] bytes = new byte[size];
        new Random(size).nextBytes(bytes);
        return bytes;
    }

    private static JsonNode assertProblem(Reply response, String kind) {
        assertThat(response.header("content-type")).as(response.body()).startsWith("application/problem+json");
        JsonNode problem = JsonMapper.builder().build().readTree(response.body());
        assertThat(problem.get("type").asString()).isEqualTo("urn:segplatform:problem:" + kind);
        assertThat(problem.get("status").asInt()).isEqualTo(response.status());
        return problem;
    }
}
