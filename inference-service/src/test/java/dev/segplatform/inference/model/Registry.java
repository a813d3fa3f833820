package dev.segplatform.inference.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.segplatform.inference.Http;
import dev.segplatform.inference.Http.Reply;
import dev.segplatform.testsupport.ServiceProcess;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import tools.jackson.databind.JsonNode;

/**
 * A real experiment service process holding the runs an inference service chooses from, with the
 * steps a trainer takes to leave a finished run behind.
 */
final class Registry implements AutoCloseable {

    private final ServiceProcess experiment;
    private final Http http;
    /** The job protocol's token, which the service generated into its data folder (started without one). */
    private final String internalToken;

    Registry(String name) throws Exception {
        Path data = Files.createTempDirectory(Files.createDirectories(Path.of("target", "test-data")), name + "-");
        experiment = ServiceProcess.experimentService(data);
        http = new Http(experiment.url());
        internalToken = Files.readString(data.resolve("internal-token")).strip();
    }

    URI url() {
        return experiment.url();
    }

    long experiment(String prefix) {
        return http.postJson("/api/experiments", "{\"name\":\"" + prefix + "-" + System.nanoTime() + "\"}")
                .json().get("id").asLong();
    }

    /**
     * A run walked through the job protocol as a trainer would: claimed, a metric, the bundle
     * uploaded while the lease is held (as any bytes: a test may upload a broken one), success.
     */
    long finishedRun(long experimentId, byte[] bundle, double iou) {
        long runId = http.postJson("/api/experiments/" + experimentId + "/runs", """
                {"spec": {"model": "unet", "epochs": 1, "batchSize": 8, "learningRate": 0.01, "imageSize": 32,
                 "width": 8, "dataset": {"type": "synthetic", "count": 10, "seed": 1}}}""").json().get("id").asLong();
        JsonNode claim = job("/api/jobs/claim", "POST", "application/json", "{\"workerId\":\"inference-test\"}", null)
                .json();
        assertThat(claim.get("runId").asLong()).isEqualTo(runId);
        String lease = claim.get("leaseToken").asString();
        assertThat(job("/api/runs/" + runId + "/metrics", "POST", "application/json",
                "{\"metrics\":[{\"key\":\"val_mean_iou\",\"value\":" + iou + ",\"step\":1}]}", lease).status())
                .isEqualTo(204);
        Reply upload = send("/api/runs/" + runId + "/artifacts/model/bundle.zip", "PUT", "application/zip", bundle, lease);
        assertThat(upload.status()).as(upload.text()).isEqualTo(201);
        assertThat(job("/api/jobs/" + claim.get("jobId").asLong() + "/complete", "POST", "application/json",
                "{\"leaseToken\":\"" + lease + "\",\"outcome\":\"SUCCEEDED\"}", null).status()).isEqualTo(204);
        return runId;
    }

    /** A call to the experiment service's MLflow API (model registry), as an MLflow client makes it. */
    Reply mlflow(String endpoint, String json) {
        Reply reply = http.postJson("/api/2.0/mlflow/" + endpoint, json);
        assertThat(reply.status()).as(reply.text()).isEqualTo(200);
        return reply;
    }

    private Reply job(String path, String method, String contentType, String body, String lease) {
        return send(path, method, contentType, body.getBytes(StandardCharsets.UTF_8), lease);
    }

    /** Every call a trainer makes carries the internal token, and its lease when it has one. */
    private Reply send(String path, String method, String contentType, byte[] body, String lease) {
        HttpRequest.Builder request = HttpRequest.newBuilder(experiment.url().resolve(path))
                .header("Content-Type", contentType).header("X-Internal-Token", internalToken)
                .method(method, HttpRequest.BodyPublishers.ofByteArray(body));
        if (lease != null) {
            request.header("X-Lease-Token", lease);
        }
        return http.send(request);
    }

    @Override
    public void close() throws InterruptedException {
        experiment.close();
    }
}
