package dev.segplatform.inference;

import static org.assertj.core.api.Assertions.assertThat;

import dev.segplatform.inference.Http.Reply;
import java.net.URI;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

/** With no model to be had (the experiment service is unreachable) the service is alive but not ready. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "inference.experiment-url=http://localhost:9", "inference.poll-interval=200ms"})
class ReadinessTest {

    @LocalServerPort
    int port;

    @Test
    void notReadyUntilAModelIsLoadedButAlive() throws Exception {
        Http http = new Http(URI.create("http://localhost:" + port));
        Thread.sleep(500);
        assertThat(http.get("/livez").status()).isEqualTo(200);
        assertThat(http.get("/readyz").status()).isEqualTo(503);
        assertThat(http.get("/v2/health/live").json().get("live").asBoolean()).isTrue();
        Reply ready = http.get("/v2/health/ready");
        assertThat(ready.status()).isEqualTo(400);
        assertThat(ready.json().get("ready").asBoolean()).isFalse();

        Reply segment = http.post("/api/segment", "image/jpeg", TestModels.petImage(TestModels.testPets().get(0)));
        assertThat(segment.status()).isEqualTo(503);
        assertThat(segment.header("Retry-After")).isEqualTo("1");
        assertThat(segment.json().get("type").asString()).isEqualTo("urn:segplatform:problem:model-not-ready");
        assertThat(http.get("/api/model").status()).isEqualTo(503);
        Reply infer = http.postJson("/v2/models/segmentation/infer", "{\"inputs\":[]}");
        assertThat(infer.status()).isEqualTo(400);
        assertThat(infer.json().get("error").asString()).contains("one input tensor");
        assertThat(http.get("/actuator/prometheus").text()).contains("inference_model_version 0.0");
    }
}
