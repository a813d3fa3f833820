package dev.segplatform.experiment.metric;

import static org.assertj.core.api.Assertions.assertThat;

import dev.segplatform.experiment.Api;
import dev.segplatform.experiment.ServiceTest;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** Every history of a run in one call, as a run page draws its charts; bounded by a point limit. */
class MetricHistoriesTest extends ServiceTest {

    @Test
    void everyKeysHistoryComesBackOrderedByStepOrOnlyTheKeysAsked() {
        long runId = api.run(api.experiment("histories"), "unet");
        assertThat(api.post("/api/runs/" + runId + "/metrics", """
                {"metrics": [{"key": "loss", "value": 0.3, "step": 3}, {"key": "loss", "value": 0.9, "step": 1},
                             {"key": "loss", "value": 0.5, "step": 2}, {"key": "val_loss", "value": 1.0, "step": 1},
                             {"key": "val_loss", "value": "NaN", "step": 2}, {"key": "a.b", "value": 7, "step": 1},
                             {"key": "train/loss", "value": 0.4, "step": 1}]}""").status()).isEqualTo(204);

        JsonNode all = ok(api.get("/api/runs/" + runId + "/metrics")).get("metrics");
        assertThat(all.propertyNames()).containsExactly("a.b", "loss", "train/loss", "val_loss");
        assertThat(steps(all.get("loss"))).containsExactly(1L, 2L, 3L);
        assertThat(all.get("loss").get(0).get("value").asDouble()).isEqualTo(0.9);
        assertThat(all.get("loss").get(2).get("timestamp").asLong()).isPositive();
        assertThat(all.get("val_loss").get(1).get("value").asString()).isEqualTo("NaN");

        // Repeated keys= (or a comma list: no key holds a comma), and a key with no points present but empty.
        JsonNode some = ok(api.get("/api/runs/" + runId + "/metrics?keys=loss&keys=a.b&keys=nothing-here"))
                .get("metrics");
        assertThat(some.propertyNames()).containsExactlyInAnyOrder("a.b", "loss", "nothing-here");
        assertThat(some.get("a.b")).hasSize(1);
        assertThat(ok(api.get("/api/runs/" + runId + "/metrics?keys=loss,a.b")).get("metrics").propertyNames())
                .containsExactlyInAnyOrder("a.b", "loss");
        assertThat(some.get("nothing-here")).isEmpty();
        assertThat(steps(some.get("loss"))).containsExactly(1L, 2L, 3L);

        // ?key= keeps its single-history answer.
        JsonNode one = ok(api.get("/api/runs/" + runId + "/metrics?key=loss"));
        assertThat(one.get("key").asString()).isEqualTo("loss");
        assertThat(one.get("history")).hasSize(3);

        Api.Reply blank = api.get("/api/runs/" + runId + "/metrics?keys=loss&keys=");
        assertThat(blank.status()).isEqualTo(400);
        assertThat(blank.json().get("errors").get(0).get("field").asString()).isEqualTo("keys");
        assertThat(api.get("/api/runs/987654321/metrics").status()).isEqualTo(404);
    }

    @Test
    void aReadOverThePointLimitIsRefusedNamingKeys() {
        // ServiceTest sets experiment.limits.metric-points-per-read to 2500.
        long runId = api.run(api.experiment("histories-limit"), "unet");
        for (String key : List.of("big1", "big2", "big3")) {
            List<String> points = new ArrayList<>();
            for (int step = 0; step < 1000; step++) {
                points.add("{\"key\":\"" + key + "\",\"value\":" + step + ",\"step\":" + step + "}");
            }
            assertThat(api.post("/api/runs/" + runId + "/metrics",
                    "{\"metrics\":[" + String.join(",", points) + "]}").status()).isEqualTo(204);
        }

        Api.Reply refused = api.get("/api/runs/" + runId + "/metrics");
        assertThat(refused.status()).isEqualTo(400);
        assertThat(refused.header("Content-Type")).startsWith("application/problem+json");
        assertThat(refused.json().get("errors").get(0).get("field").asString()).isEqualTo("keys");
        assertThat(refused.json().get("detail").asString()).contains("3000", "2500");

        JsonNode two = ok(api.get("/api/runs/" + runId + "/metrics?keys=big1&keys=big3")).get("metrics");
        assertThat(two.propertyNames()).containsExactly("big1", "big3");
        assertThat(two.get("big3")).hasSize(1000);
        assertThat(two.get("big3").get(999).get("step").asLong()).isEqualTo(999);
        assertThat(ok(api.get("/api/runs/" + runId + "/metrics?key=big2")).get("history")).hasSize(1000);
    }

    private static JsonNode ok(Api.Reply reply) {
        assertThat(reply.status()).as(reply.text()).isEqualTo(200);
        return reply.json();
    }

    private static List<Long> steps(JsonNode history) {
        List<Long> steps = new ArrayList<>();
        history.forEach(point -> steps.add(point.get("step").asLong()));
        return steps;
    }
}
