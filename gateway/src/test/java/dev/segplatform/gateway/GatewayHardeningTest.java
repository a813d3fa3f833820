package dev.segplatform.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
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
        RawResponse response = raw("GET " + path + " HTTP/1.1\r\nHost: localhost\r\nX-API-Key: " + KEY + "\r\n"
                + "Connection: close\r\n\r\n");
        assertThat(response.status()).isEqualTo(400);
        assertProblem(response, "malformed-request");
    }

    @Test
    void headersAndRequestLinesOver8KbAreProblemDetails() throws IOException {
        String big = "a".repeat(9_000);
        RawResponse header = raw("GET /api/runs HTTP/1.1\r\nHost: localhost\r\nX-Big: " + big + "\r\n"
                + "Connection: close\r\n\r\n");
        assertThat(header.status()).isEqualTo(400);
        assertProblem(header, "malformed-request");
        RawResponse url = raw("GET /api/runs?x=" + big + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
        assertThat(url.status()).isEqualTo(400);
        assertProblem(url, "malformed-request");
    }

    @Test
    void traceAndUnroutedPathsAreProblemDetailsWithAType() throws IOException {
        RawResponse trace = raw("TRACE /api/runs HTTP/1.1\r\nHost: localhost\r\nX-API-Key: " + KEY + "\r\n"
                + "Connection: close\r\n\r\n");
        assertThat(trace.status()).isEqualTo(405);
        assertProblem(trace, "method-not-allowed");
        RawResponse unrouted = raw("GET /api/nothing-here HTTP/1.1\r\nHost: localhost\r\nX-API-Key: " + KEY + "\r\n"
                + "Connection: close\r\n\r\n");
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

    private static JsonNode assertProblem(RawResponse response, String kind) {
        assertThat(response.header("content-type")).as(response.text()).startsWith("application/problem+json");
        JsonNode problem = JsonMapper.builder().build().readTree(response.body());
        assertThat(problem.get("type").asString()).isEqualTo("urn:segplatform:problem:" + kind);
        assertThat(problem.get("status").asInt()).isEqualTo(response.status());
        return problem;
    }

    /** A request the JDK client would refuse to send (bad paths, oversized headers), over a plain socket. */
    private RawResponse raw(String request) throws IOException {
        try (Socket socket = new Socket("localhost", port)) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(request.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = socket.getInputStream();
            return new RawResponse(new String(in.readAllBytes(), StandardCharsets.ISO_8859_1));
        }
    }

    record RawResponse(String text) {
        int status() {
            return Integer.parseInt(text.substring(9, 12));
        }

        String header(String name) {
            for (String line : text.substring(0, text.indexOf("\r\n\r\n")).split("\r\n")) {
                int colon = line.indexOf(':');
                if (colon > 0 && line.substring(0, colon).equalsIgnoreCase(name)) {
                    return line.substring(colon + 1).strip();
                }
            }
            return "";
        }

        String body() {
            String body = text.substring(text.indexOf("\r\n\r\n") + 4);
            // Chunked answers (Spring's) carry chunk sizes around the JSON.
            return header("transfer-encoding").equalsIgnoreCase("chunked")
                    ? body.substring(body.indexOf('{'), body.lastIndexOf('}') + 1) : body;
        }
    }
}
