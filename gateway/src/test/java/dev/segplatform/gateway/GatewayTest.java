package dev.segplatform.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.segplatform.testsupport.ServiceProcess;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The gateway in front of a real experiment service process and a stand-in inference backend. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class GatewayTest {

    static final Map<String, String> KEYS = Map.of("admin", "key-admin-1", "scientist", "key-scientist-1",
            "viewer", "key-viewer-1", "client", "key-client-1", "burst", "key-burst-1");
    static final JsonMapper JSON = JsonMapper.builder().build();
    static final ServiceProcess EXPERIMENT;
    static final StubBackend INFERENCE;

    static {
        try {
            Path data = Files.createTempDirectory(Files.createDirectories(Path.of("target", "test-data")), "gw-");
            EXPERIMENT = ServiceProcess.experimentService(data);
            INFERENCE = new StubBackend();
        } catch (Exception e) {
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
        registry.add("gateway.max-request-size", () -> "1MB");
        registry.add("gateway.max-segment-request-size", () -> "1MB");
        registry.add("gateway.segment-rate.per-second", () -> "0.2");
        registry.add("gateway.segment-rate.burst", () -> "100");
        int i = 0;
        for (var key : KEYS.entrySet()) {
            String role = key.getKey().equals("burst") ? "client" : key.getKey();
            registry.add("gateway.api-keys[" + i + "].name", key::getKey);
            registry.add("gateway.api-keys[" + i + "].role", () -> role);
            if (i % 2 == 0) {
                registry.add("gateway.api-keys[" + i + "].key", key::getValue);
            } else { // configured as a digest, as from a secret
                registry.add("gateway.api-keys[" + i + "].sha256", () -> sha256(key.getValue()));
            }
            i++;
        }
    }

    @AfterAll
    static void stop() throws Exception {
        INFERENCE.close();
    }

    @ParameterizedTest(name = "{0} {1} {2} -> {3}")
    @CsvSource({
            // role, method, path, expected status
            "admin,     GET,  /api/experiments,     200",
            "admin,     POST, /api/experiments,     201",
            "admin,     POST, /api/segment,         200",
            "admin,     GET,  /v2/health/ready,     200",
            "scientist, GET,  /api/experiments,     200",
            "scientist, POST, /api/experiments,     201",
            "scientist, GET,  /api/runs,            200",
            "scientist, POST, /api/segment,         200",
            "scientist, GET,  /api/model,           200",
            "viewer,    GET,  /api/experiments,     200",
            "viewer,    GET,  /api/runs,            200",
            "viewer,    GET,  /api/queue,           200",
            "viewer,    POST, /api/queue,           403",
            "viewer,    POST, /api/experiments,     403",
            "viewer,    POST, /api/studies,         403",
            "viewer,    POST, /api/segment,         403",
            "client,    POST, /api/segment,         200",
            "client,    POST, /v2/models/pets/infer, 200",
            "client,    GET,  /api/experiments,     403",
            "client,    GET,  /api/queue,           403",
            "none,      GET,  /api/queue,           401",
            "client,    POST, /api/experiments,     403",
            "none,      GET,  /api/experiments,     401",
            "none,      POST, /api/segment,         401",
            "wrong,     GET,  /api/experiments,     401",
            "wrong,     POST, /api/segment,         401",
            "admin,     POST, /api/jobs/claim,      404",
            "client,    POST, /api/jobs/claim,      404",
    })
    void keyAndRoleMatrix(String role, String method, String path, int expected) throws Exception {
        String body = path.equals("/api/experiments") ? "{\"name\":\"gw-" + System.nanoTime() + "\"}"
                : path.equals("/api/jobs/claim") ? "{\"workerId\":\"sneaky\"}" : "{}";
        HttpRequest.Builder request = request(path).method(method, method.equals("GET")
                ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                .header("Content-Type", "application/json");
        if (!role.equals("none")) {
            request.header("X-API-Key", KEYS.getOrDefault(role, "not-a-key"));
        }
        HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(expected);
        if (expected >= 400) {
            assertThat(response.headers().firstValue("Content-Type").orElse("")).startsWith("application/problem+json");
        }
    }

    @Test
    void bearerTokensWorkAndKeysNeverReachTheBackends() throws Exception {
        HttpResponse<String> response = http.send(request("/api/segment")
                .header("Authorization", "Bearer " + KEYS.get("client"))
                .header("X-Correlation-Id", "trace-42")
                .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("X-Correlation-Id")).contains("trace-42");
        Map<String, java.util.List<String>> seen = INFERENCE.headersByPath.get("/api/segment");
        assertThat(seen.get("X-correlation-id")).containsExactly("trace-42");
        assertThat(seen.keySet()).noneMatch(name -> name.equalsIgnoreCase("Authorization")
                || name.equalsIgnoreCase("X-API-Key"));
        assertThat(seen.get("X-forwarded-host")).containsExactly("localhost:" + port);
    }

    @Test
    void aCorrelationIdIsMadeWhenTheCallerSendsNone() throws Exception {
        HttpResponse<String> response = get("/api/experiments", "viewer");
        assertThat(response.headers().firstValue("X-Correlation-Id").orElse("")).matches("[0-9a-f-]{36}");
    }

    @Test
    void segmentationIsRateLimitedPerKey() throws Exception {
        int ok = 0;
        HttpResponse<String> limited = null;
        for (int i = 0; i < 200 && limited == null; i++) {
            HttpResponse<String> response = http.send(request("/api/segment").header("X-API-Key", KEYS.get("burst"))
                    .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() == 429) {
                limited = response;
            } else {
                ok++;
            }
        }
        assertThat(ok).isBetween(100, 103); // the bucket refills 0.2 tokens/s meanwhile
        assertThat(limited).isNotNull();
        assertThat(limited.headers().firstValue("Retry-After").orElseThrow()).matches("\\d+");
        // Another key has its own bucket.
        assertThat(http.send(request("/api/segment").header("X-API-Key", KEYS.get("admin"))
                .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString())
                .statusCode()).isEqualTo(200);
    }

    @Test
    void oversizedBodiesAreRefusedWithOrWithoutContentLength() throws Exception {
        byte[] big = new byte[2 * 1024 * 1024];
        HttpResponse<String> declared = http.send(request("/api/segment").header("X-API-Key", KEYS.get("admin"))
                .POST(HttpRequest.BodyPublishers.ofByteArray(big)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(declared.statusCode()).isEqualTo(413);
        HttpResponse<String> chunked = http.send(request("/api/segment").header("X-API-Key", KEYS.get("admin"))
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(big))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(chunked.statusCode()).isEqualTo(413);
    }

    @Test
    void multipartUploadsAndBinaryDownloadsPassThroughByteForByte() throws Exception {
        byte[] png = new byte[200_000];
        new Random(7).nextBytes(png);
        String boundary = "gateway-test-boundary";
        ByteArrayOutputStream multipart = new ByteArrayOutputStream();
        multipart.write(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"image\"; filename=\"pet.png\"\r\n"
                + "Content-Type: image/png\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        multipart.write(png);
        multipart.write(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.US_ASCII));
        HttpResponse<byte[]> echoed = http.send(request("/api/segment").header("X-API-Key", KEYS.get("client"))
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(multipart.toByteArray())).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(echoed.statusCode()).isEqualTo(200);
        assertThat(echoed.body()).isEqualTo(multipart.toByteArray());

        // A real artifact round trip through the gateway into the experiment service and back.
        String admin = KEYS.get("admin");
        long experimentId = json(send("POST", "/api/experiments", "{\"name\":\"gw-artifacts-" + System.nanoTime() + "\"}",
                admin)).get("id").asLong();
        long runId = json(send("POST", "/api/experiments/" + experimentId + "/runs", """
                {"spec": {"model": "unet", "epochs": 1, "batchSize": 8, "learningRate": 0.01, "imageSize": 64,
                 "dataset": {"type": "synthetic", "count": 50}}}""", admin)).get("id").asLong();
        HttpResponse<String> upload = http.send(request("/api/runs/" + runId + "/artifacts/samples/mask.png")
                .header("X-API-Key", admin).header("Content-Type", "image/png")
                .PUT(HttpRequest.BodyPublishers.ofByteArray(png)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(upload.statusCode()).as(upload.body()).isEqualTo(201);
        HttpResponse<byte[]> download = http.send(request("/api/runs/" + runId + "/artifacts/samples/mask.png")
                .header("X-API-Key", KEYS.get("viewer")).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
        assertThat(download.statusCode()).isEqualTo(200);
        assertThat(download.headers().firstValue("Content-Type")).contains("image/png");
        assertThat(download.body()).isEqualTo(png);

        // A model bundle over the JSON limit (1 MB here), sent as curl --data-binary sends it: with a form
        // Content-Type. The artifact route has its own limit, and the bytes arrive as sent.
        byte[] bundle = new byte[1_500_000];
        new Random(11).nextBytes(bundle);
        HttpResponse<String> bundleUpload = http.send(request("/api/runs/" + runId + "/artifacts/model/bundle.zip")
                .header("X-API-Key", admin).header("Content-Type", "application/x-www-form-urlencoded")
                .PUT(HttpRequest.BodyPublishers.ofByteArray(bundle)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(bundleUpload.statusCode()).as(bundleUpload.body()).isEqualTo(201);
        assertThat(http.send(request("/api/runs/" + runId + "/artifacts/model/bundle.zip")
                .header("X-API-Key", KEYS.get("viewer")).GET().build(), HttpResponse.BodyHandlers.ofByteArray())
                .body()).isEqualTo(bundle);
    }

    @Test
    void theExperimentServiceDocumentNamesTheGatewayAsItsServer() throws Exception {
        HttpResponse<String> docs = http.send(request("/v3/api-docs/experiment").GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(docs.statusCode()).isEqualTo(200);
        JsonNode document = JSON.readTree(docs.body());
        assertThat(document.get("servers").get(0).get("url").asString()).isEqualTo("http://localhost:" + port);
        assertThat(document.get("paths").has("/api/runs/{id}")).isTrue();
        assertThat(document.get("paths").has("/api/queue")).isTrue();
    }

    private HttpResponse<String> get(String path, String role) throws Exception {
        return http.send(request(path).header("X-API-Key", KEYS.get(role)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> send(String method, String path, String body, String key) throws Exception {
        return http.send(request(path).header("X-API-Key", key).header("Content-Type", "application/json")
                .method(method, HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode json(HttpResponse<String> response) {
        assertThat(response.statusCode()).as(response.body()).isLessThan(300);
        return JSON.readTree(response.body());
    }

    private HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create("http://localhost:" + port + path));
    }

    static String sha256(String text) {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                    .digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
