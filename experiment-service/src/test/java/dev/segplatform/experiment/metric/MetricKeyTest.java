package dev.segplatform.experiment.metric;

import static org.assertj.core.api.Assertions.assertThat;

import dev.segplatform.experiment.Api;
import dev.segplatform.experiment.ServiceTest;
import dev.segplatform.experiment.client.ExperimentClient;
import java.net.URI;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** MLflow clients log keys such as train/loss; what was written can be read back, in every form. */
class MetricKeyTest extends ServiceTest {

    @Test
    @Tag("reliability")
    void aKeyWithSlashesRoundTrips() {
        long runId = api.run(api.experiment("slash-keys"), "unet");
        assertThat(api.post("/api/runs/" + runId + "/metrics", """
                {"metrics": [{"key": "train/loss", "value": 0.5, "step": 1},
                             {"key": "train/loss", "value": 0.25, "step": 2},
                             {"key": "eval/a b/iou", "value": 0.7, "step": 1},
                             {"key": "train", "value": 9.0, "step": 1}]}""").status()).isEqualTo(204);

        for (String path : new String[] {"/metrics/train/loss", "/metrics/train%2Floss", "/metrics?key=train%2Floss",
                "/metrics?key=train/loss"}) {
            Api.Reply reply = api.get("/api/runs/" + runId + path);
            assertThat(reply.status()).as(path + ": " + reply.text()).isEqualTo(200);
            JsonNode history = reply.json();
            assertThat(history.get("key").asString()).as(path).isEqualTo("train/loss");
            assertThat(history.get("history")).as(path).hasSize(2);
            assertThat(history.get("history").get(1).get("value").asDouble()).isEqualTo(0.25);
        }
        assertThat(api.get("/api/runs/" + runId + "/metrics/eval/a%20b/iou").json().get("history")).hasSize(1);
        assertThat(api.get("/api/runs/" + runId + "/metrics/train").json().get("history"))
                .as("a prefix of a key is its own metric").hasSize(1);
        assertThat(api.get("/api/runs/" + runId).json().get("metrics").has("train/loss")).isTrue();

        ExperimentClient client = new ExperimentClient(URI.create("http://localhost:" + port));
        assertThat(client.metricHistory(runId, "train/loss").history()).hasSize(2);
        assertThat(client.metricHistory(runId, "eval/a b/iou").history()).hasSize(1);
    }

    @Test
    void noKeyIsAProblemNamingTheKey() {
        long runId = api.run(api.experiment("no-key"), "unet");
        Api.Reply reply = api.get("/api/runs/" + runId + "/metrics/");
        assertThat(reply.status()).as(reply.text()).isEqualTo(400);
        assertThat(reply.json().get("errors").get(0).get("field").asString()).isEqualTo("key");
    }
}
