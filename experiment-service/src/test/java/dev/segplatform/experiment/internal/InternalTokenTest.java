package dev.segplatform.experiment.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.segplatform.experiment.Api;
import dev.segplatform.experiment.ServiceTest;
import dev.segplatform.experiment.api.ClaimRequest;
import dev.segplatform.experiment.client.ExperimentApiException;
import dev.segplatform.experiment.client.ExperimentClient;
import java.net.URI;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** The job protocol answers only callers with the internal token; the rest of the API is unchanged. */
class InternalTokenTest extends ServiceTest {

    @Test
    @Tag("reliability")
    void theJobProtocolRefusesCallersWithoutTheToken() {
        drainQueue();
        long runId = api.run(api.experiment("token"), "unet");
        Api anonymous = new Api("http://localhost:" + port);
        String[] paths = {"/api/jobs/claim", "/api/jobs/1/heartbeat", "/api/jobs/1/release", "/api/jobs/1/complete"};
        for (String path : paths) {
            Api.Reply missing = anonymous.post(path, "{\"workerId\":\"intruder\"}");
            assertThat(missing.status()).as(path).isEqualTo(401);
            assertThat(missing.header("Content-Type")).startsWith("application/problem+json");
            assertThat(missing.header("WWW-Authenticate")).contains("X-Internal-Token");
            assertThat(missing.json().get("type").asString()).endsWith("unauthorized");
            assertThat(missing.json().get("detail").asString()).contains("X-Internal-Token");

            Api.Reply wrong = anonymous.post(path, "{\"workerId\":\"intruder\"}",
                    Map.of("X-Internal-Token", INTERNAL_TOKEN + "x"));
            assertThat(wrong.status()).as(path).isEqualTo(403);
            assertThat(wrong.json().get("type").asString()).endsWith("forbidden");
        }
        assertThat(api.get("/api/runs/" + runId).json().get("status").asString())
                .as("nothing was claimed").isEqualTo("QUEUED");

        Api.Reply claimed = anonymous.post("/api/jobs/claim", "{\"workerId\":\"trainer\"}",
                Map.of("X-Internal-Token", INTERNAL_TOKEN));
        assertThat(claimed.status()).isEqualTo(200);
        JsonNode claim = claimed.json();
        assertThat(claim.get("runId").asLong()).isEqualTo(runId);
        assertThat(anonymous.post("/api/jobs/" + claim.get("jobId").asLong() + "/complete",
                "{\"leaseToken\":\"" + claim.get("leaseToken").asString() + "\",\"outcome\":\"SUCCEEDED\"}",
                Map.of("X-Internal-Token", INTERNAL_TOKEN)).status()).isEqualTo(204);

        // Users' endpoints need no token; the gateway guards those with API keys.
        assertThat(anonymous.get("/api/runs/" + runId).status()).isEqualTo(200);
    }

    @Test
    void theClientSendsItsTokenOnTheJobProtocol() {
        drainQueue();
        URI base = URI.create("http://localhost:" + port);
        ExperimentApiException refused = org.junit.jupiter.api.Assertions.assertThrows(ExperimentApiException.class,
                () -> new ExperimentClient(base).claim(new ClaimRequest("tokenless", null)));
        assertThat(refused.status()).isEqualTo(401);
        assertThat(refused.isRetryable()).isFalse();
        assertThat(new ExperimentClient(base, INTERNAL_TOKEN).claim(new ClaimRequest("trainer", null))).isEmpty();
    }
}
