package dev.segplatform.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** A backend that is down answers 502, one that is too slow 504; the gateway itself stays up. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class GatewayBackendFailureTest {

    static final StubBackend SLOW;
    static final int DEAD_PORT;

    static {
        try {
            SLOW = new StubBackend();
            SLOW.delayMillis = 3_000;
            try (ServerSocket socket = new ServerSocket(0)) {
                DEAD_PORT = socket.getLocalPort(); // closed again: nothing listens there
            }
        } catch (Exception e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @LocalServerPort
    int port;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        registry.add("gateway.experiment-url", () -> SLOW.url().toString());
        registry.add("gateway.inference-url", () -> "http://127.0.0.1:" + DEAD_PORT);
        registry.add("gateway.read-timeout", () -> "1s");
        registry.add("gateway.admin-key", () -> "failure-admin");
    }

    @AfterAll
    static void stop() {
        SLOW.close();
    }

    @Test
    void aDownBackendIs502AndASlowOne504() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        HttpResponse<String> down = http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/api/segment"))
                .header("X-API-Key", "failure-admin").POST(HttpRequest.BodyPublishers.ofString("{}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(down.statusCode()).isEqualTo(502);
        JsonNode problem = JsonMapper.builder().build().readTree(down.body());
        assertThat(problem.get("type").asString()).isEqualTo("urn:segplatform:problem:bad-gateway");
        assertThat(problem.get("detail").asString()).contains("inference service");

        HttpResponse<String> slow = http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/api/experiments"))
                .header("X-API-Key", "failure-admin").GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(slow.statusCode()).isEqualTo(504);
        assertThat(slow.headers().firstValue("Content-Type").orElse("")).startsWith("application/problem+json");

        assertThat(http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/livez")).build(),
                HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
    }
}
