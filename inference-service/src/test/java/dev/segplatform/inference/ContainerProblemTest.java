package dev.segplatform.inference;

import static org.assertj.core.api.Assertions.assertThat;

import dev.segplatform.testsupport.RawHttp;
import dev.segplatform.testsupport.RawHttp.Reply;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Requests Tomcat refuses before any controller runs, and the ones the servlet answers itself,
 * leave as problem details like every other error, not as Tomcat's HTML page or Boot's own JSON.
 */
@Tag("reliability")
class ContainerProblemTest extends ServiceTest {

    @Test
    void encodedSlashBackslashAndNulInThePathAreProblemDetails() {
        for (String path : List.of("/api/segment%2f..", "/api/segment%2F..%2F..%2Fetc", "/api/segment%5c..",
                "/api/segment%00", "/v2/models/segmentation%2finfer")) {
            Reply reply = RawHttp.exchange(port, "GET " + path + " HTTP/1.1");
            JsonNode problem = assertProblem(reply, 400, "malformed-request");
            assertThat(problem.get("instance").asString()).as(path).isEqualTo(path);
            assertThat(problem.get("detail").asString()).contains("before it reached the API");
        }
        assertThat(RawHttp.exchange(port, "GET /livez HTTP/1.1").status()).isEqualTo(200);
    }

    @Test
    void headersAndARequestLineOverTheLimitAreProblemDetails() {
        String big = "a".repeat(9 * 1024);
        JsonNode header = assertProblem(RawHttp.exchange(port, "GET /livez HTTP/1.1\r\nX-Big: " + big), 400,
                "malformed-request");
        assertThat(header.get("detail").asString()).contains("header");
        assertProblem(RawHttp.exchange(port, "GET /api/model?q=" + big + " HTTP/1.1"), 400, "malformed-request");
        assertThat(RawHttp.exchange(port, "GET /livez HTTP/1.1").status()).isEqualTo(200);
    }

    @Test
    void traceIsA405ProblemDetail() {
        for (String path : List.of("/api/segment", "/v2/models/segmentation/infer", "/livez")) {
            Reply reply = RawHttp.exchange(port, "TRACE " + path + " HTTP/1.1");
            JsonNode problem = assertProblem(reply, 405, "method-not-allowed");
            assertThat(problem.get("instance").asString()).isEqualTo(path);
            assertThat(problem.get("detail").asString()).contains("TRACE");
            assertThat(reply.body()).doesNotContain("X-Big", "timestamp");
        }
        JsonNode kserve = Http.JSON.readTree(RawHttp.exchange(port, "TRACE /v2/health/live HTTP/1.1").body());
        assertThat(kserve.get("error").asString()).contains("TRACE");
    }

    private static JsonNode assertProblem(Reply reply, int status, String kind) {
        assertThat(reply.status()).as(reply.body()).isEqualTo(status);
        assertThat(reply.header("Content-Type")).startsWith("application/problem+json");
        JsonNode problem = Http.JSON.readTree(reply.body());
        assertThat(problem.get("type").asString()).isEqualTo("urn:segplatform:problem:" + kind);
        assertThat(problem.get("status").asInt()).isEqualTo(status);
        return problem;
    }
}
