package dev.segplatform.experiment.artifact;

import static org.assertj.core.api.Assertions.assertThat;

import dev.segplatform.experiment.Api;
import dev.segplatform.experiment.ServiceTest;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** Who may write a run's artifacts when, and that an upload is stored as sent whatever its label. */
class ArtifactWriteTest extends ServiceTest {

    long experimentId;

    @BeforeEach
    void isolate() {
        drainQueue();
        experimentId = api.experiment("artifacts");
    }

    @Test
    @Tag("reliability")
    void theArtifactsOfAFinishedRunCannotBeOverwritten() {
        long runId = api.run(experimentId, "unet");
        JsonNode claim = api.post("/api/jobs/claim", "{\"workerId\":\"w\"}").json();
        Map<String, String> lease = Map.of("X-Lease-Token", claim.get("leaseToken").asString());
        byte[] model = bytes(5000, 1);
        String path = "/api/runs/" + runId + "/artifacts/model/bundle.zip";
        assertThat(api.put(path, model, lease).status()).isEqualTo(201);
        assertThat(api.post("/api/jobs/" + claim.get("jobId").asLong() + "/complete",
                "{\"leaseToken\":\"" + claim.get("leaseToken").asString() + "\",\"outcome\":\"SUCCEEDED\"}").status())
                .isEqualTo(204);
        long artifactsBefore = count("artifact");

        // A user's key (no lease) and the finished worker's own lease are both refused.
        for (Map<String, String> headers : java.util.List.of(Map.<String, String>of(), lease)) {
            Api.Reply refused = api.put(path, new byte[24], headers);
            assertThat(refused.status()).as(refused.text()).isEqualTo(409);
            assertThat(refused.header("Content-Type")).startsWith("application/problem+json");
            assertThat(refused.json().get("instance").asString()).isEqualTo(path);
        }
        Api.Reply newPath = api.put("/api/runs/" + runId + "/artifacts/extra.txt", new byte[] {1}, Map.of());
        assertThat(newPath.status()).isEqualTo(409);
        assertThat(newPath.json().get("detail").asString()).contains("SUCCEEDED");

        assertThat(api.bytes(path)).isEqualTo(model);
        assertThat(count("artifact")).isEqualTo(artifactsBefore);
    }

    @Test
    void aRunningRunOverwritesItsArtifactsUnderItsLease() {
        long runId = api.run(experimentId, "unet");
        JsonNode claim = api.post("/api/jobs/claim", "{\"workerId\":\"w\"}").json();
        Map<String, String> lease = Map.of("X-Lease-Token", claim.get("leaseToken").asString());
        String path = "/api/runs/" + runId + "/artifacts/checkpoints/latest.zip";
        assertThat(api.put(path, bytes(100, 2), lease).status()).isEqualTo(201);
        byte[] newer = bytes(200, 3);
        assertThat(api.put(path, newer, lease).status()).as("a checkpoint replaces the last one").isEqualTo(201);
        assertThat(api.bytes(path)).isEqualTo(newer);
        assertThat(api.put(path, bytes(10, 4), Map.of()).status()).as("not without the lease").isEqualTo(409);
        assertThat(api.bytes(path)).isEqualTo(newer);
    }

    /** curl --data-binary sends application/x-www-form-urlencoded unless told otherwise. */
    @ParameterizedTest
    @Tag("reliability")
    @ValueSource(strings = {"application/x-www-form-urlencoded", "multipart/form-data; boundary=xyz", "",
            "application/octet-stream"})
    void anUploadIsStoredByteForByteWhateverItsContentTypeSays(String contentType) {
        long runId = api.run(experimentId, "unet");
        // Bytes that a form parser would mangle: '&', '=', '%', '+', NUL, high bytes, CR LF, a boundary.
        byte[] body = new byte[70_000];
        new Random(contentType.hashCode()).nextBytes(body);
        byte[] prefix = "a=b&c=%zz+d\r\n--xyz\r\n".getBytes();
        System.arraycopy(prefix, 0, body, 0, prefix.length);
        Map<String, String> headers = contentType.isEmpty() ? Map.of() : Map.of("Content-Type", contentType);
        String path = "/api/runs/" + runId + "/artifacts/model/bundle.zip";

        Api.Reply stored = api.put(path, body, headers);

        assertThat(stored.status()).as(stored.text()).isEqualTo(201);
        assertThat(stored.json().get("size").asLong()).isEqualTo(body.length);
        assertThat(api.bytes(path)).isEqualTo(body);
    }

    /** A label longer than the column that records it is the client's mistake, said before any byte is stored. */
    @Test
    void anOverlongContentTypeIsRefusedAndNothingIsStored() {
        long runId = api.run(experimentId, "unet");
        long artifactsBefore = count("artifact");
        String contentType = "text/plain; note=" + "x".repeat(300);

        Api.Reply refused = api.put("/api/runs/" + runId + "/artifacts/notes.txt", new byte[] {1, 2, 3},
                Map.of("Content-Type", contentType));

        assertThat(refused.status()).as(refused.text()).isEqualTo(400);
        assertThat(refused.json().get("errors").get(0).get("field").asString()).isEqualTo("Content-Type");
        assertThat(refused.json().get("errors").get(0).get("reason").asString()).contains("255");
        assertThat(count("artifact")).isEqualTo(artifactsBefore);
    }

    private static byte[] bytes(int size, int seed) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }
}
