package dev.segplatform.experiment.experiment;

import static org.assertj.core.api.Assertions.assertThat;

import dev.segplatform.experiment.Api;
import dev.segplatform.experiment.ServiceTest;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

class ExperimentApiTest extends ServiceTest {

    @Test
    void renameDeleteRestoreAndNameReuse() {
        String name = "pets-" + System.nanoTime();
        Api.Reply created = api.post("/api/experiments", "{\"name\":\"" + name + "\",\"description\":\"d\",\"tags\":{\"k\":\"v\"}}");
        assertThat(created.status()).isEqualTo(201);
        long id = created.json().get("id").asLong();

        JsonNode renamed = api.patch("/api/experiments/" + id, "{\"name\":\"" + name + "-v2\"}").json();
        assertThat(renamed.get("name").asString()).isEqualTo(name + "-v2");
        assertThat(renamed.get("description").asString()).isEqualTo("d");

        assertThat(api.delete("/api/experiments/" + id).status()).isEqualTo(204);
        assertThat(api.get("/api/experiments/" + id).json().get("deleted").asBoolean()).isTrue();
        assertThat(api.get("/api/experiments", Api.query("name", name)).json().get("items")).isEmpty();
        assertThat(api.get("/api/experiments", Api.query("name", name, "includeDeleted", "true")).json().get("items"))
                .hasSize(1);
        // New runs cannot join a deleted experiment.
        assertThat(api.post("/api/experiments/" + id + "/runs", Api.runBody("unet")).status()).isEqualTo(409);

        // The deleted experiment's name is free again; restoring it then clashes.
        long other = api.post("/api/experiments", "{\"name\":\"" + name + "-v2\"}").json().get("id").asLong();
        assertThat(api.post("/api/experiments/" + id + "/restore", "").status()).isEqualTo(409);
        assertThat(api.delete("/api/experiments/" + other).status()).isEqualTo(204);
        assertThat(api.post("/api/experiments/" + id + "/restore", "").json().get("deleted").asBoolean()).isFalse();
    }

    @Test
    void listsByNamePaged() {
        String prefix = "paged-" + System.nanoTime();
        for (int i = 0; i < 5; i++) {
            api.post("/api/experiments", "{\"name\":\"" + prefix + "-" + i + "\"}");
        }
        JsonNode page = api.get("/api/experiments", Api.query("name", prefix, "size", "2", "page", "1")).json();
        assertThat(page.get("total").asLong()).isEqualTo(5);
        assertThat(page.get("items")).hasSize(2);
        assertThat(page.get("items").get(0).get("name").asString()).isEqualTo(prefix + "-2");
        assertThat(api.get("/api/experiments", Api.query("size", "0")).status()).isEqualTo(400);
    }

    @Test
    void eachExperimentCarriesItsRunCountsBestIouAndLastActivity() {
        String prefix = "summary-" + System.nanoTime();
        long busy = api.post("/api/experiments", "{\"name\":\"" + prefix + "-busy\"}").json().get("id").asLong();
        long empty = api.post("/api/experiments", "{\"name\":\"" + prefix + "-empty\"}").json().get("id").asLong();
        drainQueue();
        long good = api.run(busy, "unet");
        long better = api.run(busy, "unet");
        long nan = api.run(busy, "unet");
        long queued = api.run(busy, "unet");
        // better ends RUNNING, good SUCCEEDED, nan FAILED (its NaN is not a best); queued stays QUEUED.
        for (long runId : new long[] {good, better, nan}) {
            JsonNode claim = api.post("/api/jobs/claim", "{\"workerId\":\"summary\"}").json();
            assertThat(claim.get("runId").asLong()).isEqualTo(runId);
            String token = claim.get("leaseToken").asString();
            String value = runId == good ? "0.5" : runId == better ? "0.75" : "\"NaN\"";
            assertThat(api.post("/api/runs/" + runId + "/metrics",
                    "{\"metrics\":[{\"key\":\"val_mean_iou\",\"value\":0.9,\"step\":1},"
                            + "{\"key\":\"val_mean_iou\",\"value\":" + value + ",\"step\":2}]}",
                    java.util.Map.of("X-Lease-Token", token)).status()).isEqualTo(204);
            if (runId != better) {
                String outcome = runId == good ? "SUCCEEDED" : "FAILED";
                assertThat(api.post("/api/jobs/" + claim.get("jobId").asLong() + "/complete",
                        "{\"leaseToken\":\"" + token + "\",\"outcome\":\"" + outcome + "\"}").status())
                        .isEqualTo(204);
            }
        }

        JsonNode items = api.get("/api/experiments", Api.query("name", prefix)).json().get("items");
        assertThat(items).hasSize(2);
        JsonNode busyItem = items.get(0);
        JsonNode emptyItem = items.get(1);
        assertThat(busyItem.get("id").asLong()).isEqualTo(busy);
        assertThat(busyItem.get("runCounts").toString()).isEqualTo(
                "{\"QUEUED\":1,\"RUNNING\":1,\"SUCCEEDED\":1,\"FAILED\":1,\"CANCELLED\":0,\"PRUNED\":0}");
        assertThat(busyItem.get("bestValMeanIou").asDouble()).as("the latest value, not the best ever logged")
                .isEqualTo(0.75);
        Instant activity = Instant.parse(busyItem.get("lastActivityAt").asString());
        Instant lastRunEnded = Instant.parse(api.get("/api/runs/" + nan).json().get("endedAt").asString());
        assertThat(activity).isAfterOrEqualTo(lastRunEnded)
                .isAfter(Instant.parse(busyItem.get("updatedAt").asString()));

        assertThat(emptyItem.get("id").asLong()).isEqualTo(empty);
        assertThat(emptyItem.get("runCounts").toString()).isEqualTo(
                "{\"QUEUED\":0,\"RUNNING\":0,\"SUCCEEDED\":0,\"FAILED\":0,\"CANCELLED\":0,\"PRUNED\":0}");
        assertThat(emptyItem.get("bestValMeanIou").isNull()).isTrue();
        assertThat(emptyItem.get("lastActivityAt").asString()).isEqualTo(emptyItem.get("updatedAt").asString());

        // One experiment answers the same.
        JsonNode one = api.get("/api/experiments/" + busy).json();
        assertThat(one.get("runCounts")).isEqualTo(busyItem.get("runCounts"));
        assertThat(one.get("bestValMeanIou").asDouble()).isEqualTo(0.75);
        assertThat(one.get("lastActivityAt")).isEqualTo(busyItem.get("lastActivityAt"));
    }

    @Test
    void probesMetricsAndOpenApiAreServed() {
        assertThat(api.get("/livez").status()).isEqualTo(200);
        assertThat(api.get("/readyz").status()).isEqualTo(200);
        assertThat(api.get("/actuator/health").json().get("status").asString()).isEqualTo("UP");
        assertThat(api.get("/actuator/prometheus").text()).contains("http_server_requests");
        JsonNode openApi = api.get("/v3/api-docs").json();
        assertThat(openApi.get("paths").has("/api/runs/{id}")).isTrue();
        assertThat(openApi.get("paths").has("/api/jobs/claim")).isTrue();
        assertThat(openApi.at("/info/title").asString()).isEqualTo("Experiment service");
        // The job protocol, wherever it is listed, takes the internal token, not an API key.
        assertThat(openApi.at("/paths/~1api~1jobs~1claim/post/security").toString())
                .isEqualTo("[{\"internalToken\":[]}]");
        assertThat(openApi.at("/components/securitySchemes/internalToken/name").asString())
                .isEqualTo("X-Internal-Token");

        // The public group, which the gateway serves: the API-key schemes, and no job protocol.
        JsonNode publicApi = api.get("/v3/api-docs/public").json();
        assertThat(publicApi.get("paths").has("/api/runs/{id}")).isTrue();
        assertThat(publicApi.get("paths").has("/api/queue")).isTrue();
        assertThat(publicApi.get("paths").has("/api/runs/{id}/attempts")).isTrue();
        assertThat(publicApi.get("paths").propertyNames()).noneMatch(path -> path.startsWith("/api/jobs"));
        assertThat(publicApi.at("/components/securitySchemes").propertyNames())
                .containsExactlyInAnyOrder("apiKey", "bearer");
        assertThat(publicApi.get("security").toString()).isEqualTo("[{\"apiKey\":[]},{\"bearer\":[]}]");

        // The internal group: the job protocol only, with the internal token its one scheme.
        JsonNode internalApi = api.get("/v3/api-docs/internal").json();
        assertThat(internalApi.get("paths").propertyNames()).isNotEmpty().allMatch(path -> path.startsWith("/api/jobs"));
        assertThat(internalApi.at("/components/securitySchemes").propertyNames()).containsExactly("internalToken");
        assertThat(internalApi.get("security").toString()).isEqualTo("[{\"internalToken\":[]}]");
    }
}
