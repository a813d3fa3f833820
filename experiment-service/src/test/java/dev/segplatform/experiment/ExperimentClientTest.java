package dev.segplatform.experiment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.segplatform.experiment.api.ArtifactInfo;
import dev.segplatform.experiment.api.ClaimRequest;
import dev.segplatform.experiment.api.CompleteRequest;
import dev.segplatform.experiment.api.HeartbeatRequest;
import dev.segplatform.experiment.api.JobAction;
import dev.segplatform.experiment.api.JobClaim;
import dev.segplatform.experiment.api.JobStatus;
import dev.segplatform.experiment.api.MetricPoint;
import dev.segplatform.experiment.api.ReleaseRequest;
import dev.segplatform.experiment.client.ExperimentApiException;
import dev.segplatform.experiment.client.ExperimentClient;
import dev.segplatform.experiment.client.ExperimentUnavailableException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The typed client that trainers and inference use, against the real service. */
class ExperimentClientTest extends ServiceTest {

    @TempDir
    Path temp;

    @Test
    void speaksTheWholeWorkerProtocol() throws Exception {
        drainQueue();
        ExperimentClient client = new ExperimentClient(URI.create("http://localhost:" + port), INTERNAL_TOKEN);
        long runId = api.run(api.experiment("client"), "unet");

        ClaimRequest request = new ClaimRequest("client-worker", null, UUID.randomUUID());
        JobClaim claim = client.claim(request).orElseThrow();
        assertThat(claim.runId()).isEqualTo(runId);
        // Sent again (as after a lost answer), the same request gets the same lease.
        assertThat(client.claim(request).map(JobClaim::leaseToken)).contains(claim.leaseToken());
        assertThat(client.claim(new ClaimRequest("client-worker", null))).isEmpty();
        assertThat(client.heartbeat(claim.jobId(), new HeartbeatRequest(claim.leaseToken(), null)).action())
                .isEqualTo(JobAction.CONTINUE);

        List<MetricPoint> points = new ArrayList<>();
        for (int i = 0; i < 2500; i++) {
            points.add(new MetricPoint("loss", 1.0 / (i + 1), (long) i, null));
        }
        client.logMetrics(runId, claim.leaseToken(), points); // three calls of at most 1000
        assertThat(client.metricHistory(runId, "loss").history()).hasSize(2500);
        client.logParams(runId, claim.leaseToken(), Map.of("parameters", "42"));

        Path file = Files.write(temp.resolve("checkpoint.zip"), new byte[] {9, 8, 7, 6});
        ArtifactInfo uploaded = client.uploadArtifact(runId, "checkpoints/epoch 1.zip", claim.leaseToken(), file,
                "application/zip");
        assertThat(uploaded.path()).isEqualTo("checkpoints/epoch 1.zip");
        assertThat(client.listArtifacts(runId, "checkpoints/")).extracting(ArtifactInfo::sha256)
                .containsExactly(uploaded.sha256());
        Path copy = temp.resolve("copy.zip");
        client.downloadArtifact(runId, "checkpoints/epoch 1.zip", copy);
        assertThat(Files.readAllBytes(copy)).isEqualTo(Files.readAllBytes(file));

        client.release(claim.jobId(), new ReleaseRequest(claim.leaseToken(), "shutting down"));
        ExperimentApiException stale = org.junit.jupiter.api.Assertions.assertThrows(ExperimentApiException.class,
                () -> client.complete(claim.jobId(), new CompleteRequest(claim.leaseToken(), JobStatus.SUCCEEDED, null)));
        assertThat(stale.isStaleLease()).isTrue();

        JobClaim resumed = client.claim(new ClaimRequest("next", null)).orElseThrow();
        assertThat(resumed.attempt()).isEqualTo(1);
        assertThat(resumed.claim()).isEqualTo(2);
        client.complete(resumed.jobId(), new CompleteRequest(resumed.leaseToken(), JobStatus.SUCCEEDED, null));
        assertThat(client.run(runId).get("status").asString()).isEqualTo("SUCCEEDED");
    }

    @Test
    void tellsAnUnreachableServiceFromARefusal() {
        ExperimentClient nowhere = new ExperimentClient(URI.create("http://127.0.0.1:1"));
        assertThatThrownBy(() -> nowhere.claim(new ClaimRequest("w", null)))
                .isInstanceOf(ExperimentUnavailableException.class);
        ExperimentClient client = new ExperimentClient(URI.create("http://localhost:" + port));
        ExperimentApiException missing = org.junit.jupiter.api.Assertions.assertThrows(ExperimentApiException.class,
                () -> client.metricHistory(987654321L, "loss"));
        assertThat(missing.status()).isEqualTo(404);
        assertThat(missing.isRetryable()).isFalse();
    }
}
