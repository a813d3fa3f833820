package dev.segplatform.trainer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.segplatform.testsupport.ServiceProcess;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The trainer's side of the internal token: what it sends, where it reads it, what it requires. */
class InternalTokenTest {

    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final JsonMapper JSON = JsonMapper.builder().build();

    @Test
    @Tag("reliability")
    void aTrainerWithTheWrongTokenTakesNoJobAndItsWorkerEndpointWantsItsOwnToken() throws Exception {
        long experimentId = Platform.experiment("wrong-token");
        try (ServiceProcess impostor = Platform.trainer("impostor", Map.of("TRAINER_INTERNAL_TOKEN", "not-the-token"))) {
            long runId = Platform.run(experimentId, "unet", 1, "");
            Thread.sleep(4000); // several claim rounds (idle back-off is at most 1s here)
            assertThat(Platform.client().run(runId).get("status").asString()).isEqualTo("QUEUED");
            Platform.cancel(runId);

            assertThat(worker(impostor, null).statusCode()).isEqualTo(401);
            HttpResponse<String> wrong = worker(impostor, Platform.INTERNAL_TOKEN);
            assertThat(wrong.statusCode()).isEqualTo(403);
            assertThat(wrong.headers().firstValue("Content-Type").orElse("")).startsWith("application/problem+json");
            assertThat(worker(impostor, "not-the-token").statusCode()).isEqualTo(200);
            assertThat(HTTP.send(HttpRequest.newBuilder(impostor.url().resolve("/readyz")).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode()).as("probes stay open").isEqualTo(200);
        }
    }

    @Test
    void aTrainerReadsTheTokenFromAFileWhenNoneIsGiven() throws Exception {
        Path file = Files.writeString(Files.createTempFile(Platform.ROOT, "internal-token-", ""),
                Platform.INTERNAL_TOKEN + "\n");
        long experimentId = Platform.experiment("token-file");
        // An empty TRAINER_INTERNAL_TOKEN counts as unset.
        try (ServiceProcess fromFile = Platform.trainer("from-file", Map.of("TRAINER_INTERNAL_TOKEN", ""),
                "--trainer.internal-token-file=" + file)) {
            long runId = Platform.run(experimentId, "unet", 1, "");
            JsonNode run = Platform.awaitEnd(runId, Duration.ofMinutes(3));
            assertThat(run.get("status").asString()).as(run.toString()).isEqualTo("SUCCEEDED");
            assertThat(worker(fromFile, Platform.INTERNAL_TOKEN).statusCode()).isEqualTo(200);
        }
    }

    @Test
    void theOpenApiDocumentIsOpenAndDeclaresTheInternalToken() throws Exception {
        try (ServiceProcess trainer = Platform.trainer("docs")) {
            HttpResponse<String> docs = HTTP.send(HttpRequest.newBuilder(trainer.url().resolve("/v3/api-docs")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(docs.statusCode()).isEqualTo(200);
            JsonNode document = JSON.readTree(docs.body());
            assertThat(document.at("/info/title").asString()).isEqualTo("Trainer service");
            assertThat(document.at("/info/version").asString()).isEqualTo("0.1.0-SNAPSHOT");
            assertThat(document.get("paths").has("/api/worker")).isTrue();
            assertThat(document.at("/components/securitySchemes/internalToken/name").asString())
                    .isEqualTo("X-Internal-Token");
            assertThat(document.get("security").toString()).isEqualTo("[{\"internalToken\":[]}]");
        }
    }

    private static HttpResponse<String> worker(ServiceProcess trainer, String token) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(trainer.url() + "/api/worker"));
        if (token != null) {
            request.header("X-Internal-Token", token);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
