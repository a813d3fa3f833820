package dev.segplatform.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.segplatform.testsupport.ServiceProcess;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.mlflow.api.proto.Service.CreateRun;
import org.mlflow.api.proto.Service.Experiment;
import org.mlflow.api.proto.Service.Metric;
import org.mlflow.api.proto.Service.Param;
import org.mlflow.api.proto.Service.Run;
import org.mlflow.api.proto.Service.RunInfo;
import org.mlflow.api.proto.Service.RunStatus;
import org.mlflow.api.proto.Service.RunTag;
import org.mlflow.api.proto.Service.ViewType;
import org.mlflow.tracking.MlflowClient;
import org.mlflow.tracking.MlflowHttpException;
import org.mlflow.tracking.RunsPage;
import org.mlflow.tracking.creds.BasicMlflowHostCreds;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * MLflow's own Java client against the real experiment service through the real gateway: a run
 * tracked end to end with a scientist's key, a viewer's key that reads but may not write, bad input
 * answered with MLflow's error codes and nothing half-written, and a run written through the job
 * protocol as a trainer writes it, read back as an MLflow run.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class MlflowApiTest {

    static final String SCIENTIST = "mlflow-scientist-key";
    static final String VIEWER = "mlflow-viewer-key";
    static final JsonMapper JSON = JsonMapper.builder().build();
    static final HttpClient HTTP = HttpClient.newHttpClient();
    static final ServiceProcess EXPERIMENT;
    static final String INTERNAL_TOKEN;
    static final long TRAINER_EXPERIMENT;
    static final long TRAINER_RUN;
    static final long QUEUED_TRAINER_RUN;

    static {
        try {
            Path data = Files.createTempDirectory(Files.createDirectories(Path.of("target", "test-data")), "mlflow-");
            EXPERIMENT = ServiceProcess.experimentService(data);
            INTERNAL_TOKEN = Files.readString(data.resolve("internal-token")).strip();
            // A run as a trainer writes it: queued by the platform API, claimed, three epochs of metrics
            // under the lease, completed.
            TRAINER_EXPERIMENT = direct("/api/experiments", "POST", "{\"name\":\"trained by the platform\"}", null)
                    .get("id").asLong();
            TRAINER_RUN = createTrainerRun("unet-trained");
            JsonNode claim = direct("/api/jobs/claim", "POST", "{\"workerId\":\"mlflow-test\"}", null);
            String lease = claim.get("leaseToken").asString();
            for (int epoch = 1; epoch <= 3; epoch++) {
                direct("/api/runs/" + TRAINER_RUN + "/metrics", "POST", """
                        {"metrics": [{"key": "loss", "value": %s, "step": %d},
                                     {"key": "val_mean_iou", "value": %s, "step": %d}]}"""
                        .formatted(1.0 / epoch, epoch, 0.5 + 0.1 * epoch, epoch), lease);
            }
            direct("/api/jobs/" + claim.get("jobId").asLong() + "/complete", "POST",
                    "{\"leaseToken\":\"" + lease + "\",\"outcome\":\"SUCCEEDED\"}", null);
            QUEUED_TRAINER_RUN = createTrainerRun("waiting");
        } catch (Exception e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @LocalServerPort
    int port;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        registry.add("gateway.experiment-url", () -> EXPERIMENT.url().toString());
        registry.add("gateway.inference-url", () -> "http://127.0.0.1:9");
        registry.add("gateway.admin-key", () -> "mlflow-admin-key");
        TestKeys.register(registry, "scientist", SCIENTIST, "viewer", VIEWER);
    }

    @AfterAll
    static void stop() throws Exception {
        EXPERIMENT.close();
    }

    @Test
    void mlflowClientTracksARunEndToEnd() throws Exception {
        MlflowClient mlflow = client(SCIENTIST);
        String experimentId = mlflow.createExperiment("mlflow end to end");
        mlflow.setExperimentTag(experimentId, "team", "segmentation");
        Experiment experiment = mlflow.getExperimentByName("mlflow end to end").orElseThrow();
        assertThat(experiment.getExperimentId()).isEqualTo(experimentId);
        assertThat(experiment.getLifecycleStage()).isEqualTo("active");
        assertThat(experiment.getTagsList()).anyMatch(t -> t.getKey().equals("team") && t.getValue().equals("segmentation"));

        String runId = mlflow.createRun(CreateRun.newBuilder().setExperimentId(experimentId).setRunName("best-effort")
                .setStartTime(System.currentTimeMillis()).addTags(tag("stage", "dev")).build()).getRunId();
        mlflow.logParam(runId, "lr", "0.01");
        mlflow.logParam(runId, "lr", "0.01"); // the same value again is fine, as in MLflow
        mlflow.setTag(runId, "note", "to be removed");
        mlflow.deleteTag(runId, "note");

        // 1000 points of one metric, in four batches, and a second metric for the search below.
        for (int batch = 0; batch < 4; batch++) {
            int first = batch * 250;
            List<Metric> points = IntStream.range(first, first + 250)
                    .mapToObj(step -> metric("train/loss", 1.0 / (step + 1), step)).toList();
            mlflow.logBatch(runId, points, batch == 0 ? List.of(param("optimizer", "adam")) : List.of(),
                    batch == 0 ? List.of(tag("batched", "yes")) : List.of());
        }
        mlflow.logMetric(runId, "val_acc", 0.9, System.currentTimeMillis(), 999);

        // An artifact through MLflow's artifact proxy, up and down, byte for byte.
        byte[] notes = "weights and notes\n".repeat(100).getBytes(StandardCharsets.UTF_8);
        String artifactUri = mlflow.getRun(runId).getInfo().getArtifactUri();
        assertThat(artifactUri).isEqualTo("mlflow-artifacts:/" + experimentId + "/" + runId + "/artifacts");
        String proxy = "/api/2.0/mlflow-artifacts/artifacts/" + experimentId + "/" + runId + "/artifacts/";
        assertThat(gateway(proxy + "model/notes.txt", "PUT", notes, SCIENTIST).statusCode()).isEqualTo(200);
        HttpResponse<byte[]> download = gatewayBytes(proxy + "model/notes.txt", VIEWER);
        assertThat(download.statusCode()).isEqualTo(200);
        assertThat(download.body()).isEqualTo(notes);
        JsonNode listed = JSON.readTree(mlflow.sendGet("artifacts/list?run_id=" + runId));
        assertThat(listed.get("root_uri").asString()).isEqualTo(artifactUri);
        assertThat(listed.get("files").get(0).get("path").asString()).isEqualTo("model");
        assertThat(listed.get("files").get(0).get("is_dir").asBoolean()).isTrue();
        JsonNode inModel = JSON.readTree(mlflow.sendGet("artifacts/list?run_id=" + runId + "&path=model"));
        assertThat(inModel.get("files").get(0).get("path").asString()).isEqualTo("model/notes.txt");
        assertThat(inModel.get("files").get(0).get("file_size").asLong()).isEqualTo(notes.length);
        JsonNode proxyList = JSON.readTree(gateway("/api/2.0/mlflow-artifacts/artifacts?path=" + experimentId + "/"
                + runId + "/artifacts/model", "GET", null, VIEWER).body());
        assertThat(proxyList.get("files").get(0).get("path").asString()).isEqualTo("notes.txt");

        // A second run to search against: a filter, an ordering, and pages of one.
        String otherId = mlflow.createRun(experimentId).getRunId();
        mlflow.logParam(otherId, "lr", "0.1");
        mlflow.logMetric(otherId, "val_acc", 0.5);
        RunsPage ordered = mlflow.searchRuns(List.of(experimentId), "metrics.val_acc > 0.1", ViewType.ACTIVE_ONLY, 10,
                List.of("metrics.val_acc DESC"));
        assertThat(ordered.getItems()).extracting(r -> r.getInfo().getRunId()).containsExactly(runId, otherId);
        RunsPage filtered = mlflow.searchRuns(List.of(experimentId), "params.lr = '0.01' and tags.stage = 'dev'",
                ViewType.ACTIVE_ONLY, 10);
        assertThat(filtered.getItems()).extracting(r -> r.getInfo().getRunId()).containsExactly(runId);
        RunsPage first = mlflow.searchRuns(List.of(experimentId), null, ViewType.ACTIVE_ONLY, 1,
                List.of("metrics.val_acc ASC"));
        assertThat(first.getItems()).extracting(r -> r.getInfo().getRunId()).containsExactly(otherId);
        assertThat(first.hasNextPage()).isTrue();
        assertThat(first.getNextPage().getItems()).extracting(r -> r.getInfo().getRunId()).containsExactly(runId);

        List<Metric> history = mlflow.getMetricHistory(runId, "train/loss");
        assertThat(history).hasSize(1000);
        assertThat(history).extracting(Metric::getStep).containsExactlyElementsOf(
                IntStream.range(0, 1000).mapToObj(Long::valueOf).toList());
        assertThat(history.get(999).getValue()).isEqualTo(1.0 / 1000);

        Run run = mlflow.getRun(runId);
        assertThat(run.getInfo().getStatus()).isEqualTo(RunStatus.RUNNING);
        assertThat(run.getInfo().getRunName()).isEqualTo("best-effort");
        assertThat(map(run.getData().getParamsList(), Param::getKey, Param::getValue))
                .containsExactlyInAnyOrderEntriesOf(Map.of("lr", "0.01", "optimizer", "adam"));
        assertThat(map(run.getData().getTagsList(), RunTag::getKey, RunTag::getValue))
                .containsEntry("mlflow.runName", "best-effort").containsEntry("stage", "dev")
                .containsEntry("batched", "yes").doesNotContainKey("note");
        Metric latest = run.getData().getMetricsList().stream().filter(m -> m.getKey().equals("train/loss"))
                .findFirst().orElseThrow();
        assertThat(latest.getStep()).isEqualTo(999);

        mlflow.setTerminated(runId);
        Run ended = mlflow.getRun(runId);
        assertThat(ended.getInfo().getStatus()).isEqualTo(RunStatus.FINISHED);
        assertThat(ended.getInfo().getEndTime()).isGreaterThanOrEqualTo(ended.getInfo().getStartTime());

        // The platform's view of the same run: no job, no spec, succeeded, found by the platform's search.
        JsonNode platform = JSON.readTree(gateway("/api/runs/" + runId, "GET", null, VIEWER).body());
        assertThat(platform.get("status").asString()).isEqualTo("SUCCEEDED");
        assertThat(platform.get("jobId").isNull()).isTrue();
        assertThat(platform.get("spec").isNull()).isTrue();
        assertThat(platform.get("metrics").get("train/loss").get("step").asLong()).isEqualTo(999);
        JsonNode search = JSON.readTree(gateway("/api/runs?experimentId=" + experimentId
                + "&filter=" + enc("attributes.status = 'SUCCEEDED'"), "GET", null, VIEWER).body());
        assertThat(search.get("runs")).extracting(r -> r.get("id").asLong()).containsExactly(Long.parseLong(runId));

        // Cancelling the other, still running, MLflow run through the platform ends it at once: KILLED.
        assertThat(gateway("/api/runs/" + otherId + "/cancel", "POST", new byte[0], SCIENTIST).statusCode())
                .isEqualTo(200);
        assertThat(mlflow.getRun(otherId).getInfo().getStatus()).isEqualTo(RunStatus.KILLED);
        assertThat(gateway("/api/runs/" + runId + "/cancel", "POST", new byte[0], SCIENTIST).statusCode())
                .isEqualTo(409);

        // A finished run's artifacts are its record, as for a trainer's run.
        HttpResponse<String> late = gateway(proxy + "late.txt", "PUT", new byte[] {1}, SCIENTIST);
        assertThat(late.statusCode()).isEqualTo(400);
        assertThat(errorCode(late.body())).isEqualTo("INVALID_PARAMETER_VALUE");

        // Deleted runs leave search and refuse writes, restored ones come back.
        mlflow.deleteRun(otherId);
        assertThat(mlflow.searchRuns(List.of(experimentId), null, ViewType.ACTIVE_ONLY, 10).getItems())
                .extracting(r -> r.getInfo().getRunId()).containsExactly(runId);
        assertThat(mlflow.searchRuns(List.of(experimentId), null, ViewType.DELETED_ONLY, 10).getItems())
                .extracting(r -> r.getInfo().getLifecycleStage()).containsExactly("deleted");
        assertMlflowError(() -> mlflow.logMetric(otherId, "late", 1.0), 400, "INVALID_PARAMETER_VALUE");
        mlflow.restoreRun(otherId);
        assertThat(mlflow.getRun(otherId).getInfo().getLifecycleStage()).isEqualTo("active");

        mlflow.renameExperiment(experimentId, "mlflow end to end, renamed");
        assertThat(mlflow.getExperiment(experimentId).getName()).isEqualTo("mlflow end to end, renamed");
        assertThat(mlflow.searchExperiments("name LIKE 'mlflow end%'").getItems())
                .extracting(Experiment::getExperimentId).containsExactly(experimentId);
        mlflow.deleteExperiment(experimentId);
        assertThat(mlflow.getExperiment(experimentId).getLifecycleStage()).isEqualTo("deleted");
        mlflow.restoreExperiment(experimentId);
        assertThat(mlflow.getExperiment(experimentId).getLifecycleStage()).isEqualTo("active");
    }

    @Test
    void viewerReadsButGetsPermissionDeniedOnWrites() throws Exception {
        MlflowClient scientist = client(SCIENTIST);
        String experimentId = scientist.createExperiment("viewer's view");
        String runId = scientist.createRun(experimentId).getRunId();
        scientist.logMetric(runId, "acc", 0.75);

        MlflowClient viewer = client(VIEWER);
        assertThat(viewer.getExperiment(experimentId).getName()).isEqualTo("viewer's view");
        assertThat(viewer.getRun(runId).getData().getMetricsList()).extracting(Metric::getValue).containsExactly(0.75);
        // The searches are POSTs that only read.
        assertThat(viewer.searchRuns(List.of(experimentId), "metrics.acc > 0.5")).hasSize(1);
        assertThat(viewer.searchExperiments("name = 'viewer''s view'").getItems()).hasSize(1);

        assertMlflowError(() -> viewer.createExperiment("not allowed"), 403, "PERMISSION_DENIED");
        assertMlflowError(() -> viewer.logMetric(runId, "acc", 1.0), 403, "PERMISSION_DENIED");
        assertMlflowError(() -> viewer.setTerminated(runId), 403, "PERMISSION_DENIED");
        assertMlflowError(() -> viewer.logBatch(runId, List.of(metric("acc", 1.0, 5)), List.of(param("p", "v")),
                List.of(tag("t", "v"))), 403, "PERMISSION_DENIED");
        assertMlflowError(() -> viewer.setTag(runId, "t", "v"), 403, "PERMISSION_DENIED");
        assertMlflowError(() -> viewer.deleteRun(runId), 403, "PERMISSION_DENIED");
        assertMlflowError(() -> viewer.deleteExperiment(experimentId), 403, "PERMISSION_DENIED");
        HttpResponse<String> upload = gateway("/api/2.0/mlflow-artifacts/artifacts/" + experimentId + "/" + runId
                + "/artifacts/x.txt", "PUT", new byte[] {1}, VIEWER);
        assertThat(upload.statusCode()).isEqualTo(403);
        assertThat(errorCode(upload.body())).isEqualTo("PERMISSION_DENIED");
        HttpResponse<String> anonymous = gateway("/api/2.0/mlflow/runs/get?run_id=" + runId, "GET", null, null);
        assertThat(anonymous.statusCode()).isEqualTo(401);
        assertThat(errorCode(anonymous.body())).isEqualTo("UNAUTHENTICATED");
        assertMlflowError(() -> client("not-a-key").getRun(runId), 401, "UNAUTHENTICATED");

        // Nothing the viewer tried was written.
        Run run = scientist.getRun(runId);
        assertThat(run.getInfo().getStatus()).isEqualTo(RunStatus.RUNNING);
        assertThat(run.getData().getMetricsList()).extracting(Metric::getValue).containsExactly(0.75);
        assertThat(run.getData().getParamsList()).isEmpty();
        assertThat(run.getData().getTagsList()).extracting(RunTag::getKey).doesNotContain("t");
        assertThat(run.getInfo().getLifecycleStage()).isEqualTo("active");
        assertThat(scientist.getExperiment(experimentId).getLifecycleStage()).isEqualTo("active");
        assertThat(scientist.getExperimentByName("not allowed")).isEmpty();
    }

    @Test
    void badInputGetsMlflowErrorCodesAndLeavesNothingHalfWritten() throws Exception {
        MlflowClient mlflow = client(SCIENTIST);
        String experimentId = mlflow.createExperiment("bad input");
        String runId = mlflow.createRun(experimentId).getRunId();

        assertMlflowError(() -> mlflow.getRun("987654"), 404, "RESOURCE_DOES_NOT_EXIST");
        assertMlflowError(() -> mlflow.getRun("not-an-id"), 404, "RESOURCE_DOES_NOT_EXIST");
        assertMlflowError(() -> mlflow.getExperiment("987654"), 404, "RESOURCE_DOES_NOT_EXIST");
        assertMlflowError(() -> mlflow.createRun("987654"), 404, "RESOURCE_DOES_NOT_EXIST");
        assertMlflowError(() -> mlflow.logMetric("987654", "m", 1.0), 404, "RESOURCE_DOES_NOT_EXIST");
        assertMlflowError(() -> mlflow.deleteRun("987654"), 404, "RESOURCE_DOES_NOT_EXIST");
        assertMlflowError(() -> mlflow.setTag("987654", "k", "v"), 404, "RESOURCE_DOES_NOT_EXIST");
        assertMlflowError(() -> mlflow.getMetricHistory("987654", "m"), 404, "RESOURCE_DOES_NOT_EXIST");
        assertMlflowError(() -> mlflow.createExperiment("bad input"), 400, "RESOURCE_ALREADY_EXISTS");
        String other = mlflow.createExperiment("bad input, the other");
        assertMlflowError(() -> mlflow.renameExperiment(other, "bad input"), 400, "RESOURCE_ALREADY_EXISTS");
        assertThat(mlflow.getExperiment(other).getName()).isEqualTo("bad input, the other");
        assertThat(mlflow.getExperimentByName("no such experiment")).isEmpty();

        HttpResponse<String> malformed = gateway("/api/2.0/mlflow/runs/log-batch", "POST",
                "{\"run_id\": \"1\", \"metrics\": [".getBytes(StandardCharsets.UTF_8), SCIENTIST);
        assertThat(malformed.statusCode()).isEqualTo(400);
        assertThat(errorCode(malformed.body())).isEqualTo("MALFORMED_REQUEST");
        HttpResponse<String> missingValue = gateway("/api/2.0/mlflow/runs/log-metric", "POST",
                ("{\"run_id\": \"" + runId + "\", \"key\": \"m\", \"timestamp\": 1}").getBytes(StandardCharsets.UTF_8),
                SCIENTIST);
        assertThat(missingValue.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(missingValue.body()).get("message").asString()).contains("'value'");
        HttpResponse<String> unknown = gateway("/api/2.0/mlflow/runs/no-such-thing", "POST", "{}".getBytes(), SCIENTIST);
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(errorCode(unknown.body())).isEqualTo("ENDPOINT_NOT_FOUND");

        // NaN and infinities are kept, as MLflow keeps them, and read back as such on both APIs.
        long now = System.currentTimeMillis();
        mlflow.logMetric(runId, "diverged", Double.NaN, now, 0);
        mlflow.logMetric(runId, "diverged", Double.POSITIVE_INFINITY, now, 1);
        mlflow.logBatch(runId, List.of(metric("diverged", Double.NEGATIVE_INFINITY, 2)), null, null);
        assertThat(mlflow.getMetricHistory(runId, "diverged")).extracting(Metric::getValue)
                .containsExactly(Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY);
        JsonNode platformHistory = JSON.readTree(gateway("/api/runs/" + runId + "/metrics?key=diverged", "GET", null,
                VIEWER).body());
        assertThat(platformHistory.get("history")).extracting(p -> p.get("value").asString())
                .containsExactly("NaN", "Infinity", "-Infinity");

        // Oversized batches: MLflow's limits, refused whole.
        mlflow.logParam(runId, "lr", "0.01");
        List<Metric> tooManyMetrics = IntStream.range(0, 1001).mapToObj(i -> metric("big", i, i)).toList();
        assertMlflowError(() -> mlflow.logBatch(runId, tooManyMetrics, null, null), 400, "INVALID_PARAMETER_VALUE");
        List<Param> tooManyParams = IntStream.range(0, 101).mapToObj(i -> param("p" + i, "v")).toList();
        assertMlflowError(() -> mlflow.logBatch(runId, List.of(metric("big", 1, 1)), tooManyParams, null), 400,
                "INVALID_PARAMETER_VALUE");
        List<RunTag> tooManyTags = IntStream.range(0, 101).mapToObj(i -> tag("t" + i, "v")).toList();
        assertMlflowError(() -> mlflow.logBatch(runId, List.of(metric("big", 1, 1)), null, tooManyTags), 400,
                "INVALID_PARAMETER_VALUE");
        // Each part within its limit, 1001 entries in all: over MLflow's 1000 per batch.
        List<Metric> thousand = IntStream.range(0, 1000).mapToObj(i -> metric("big", i, i)).toList();
        assertMlflowError(() -> mlflow.logBatch(runId, thousand, List.of(param("p_total", "v")), null), 400,
                "INVALID_PARAMETER_VALUE");
        // A batch whose last part fails (a param changed) writes none of its metrics, params or tags.
        assertMlflowError(() -> mlflow.logBatch(runId, List.of(metric("big", 1, 1)),
                List.of(param("fresh", "1"), param("lr", "0.5")), List.of(tag("fresh", "1"))), 400,
                "INVALID_PARAMETER_VALUE");
        assertMlflowError(() -> mlflow.logParam(runId, "lr", "0.5"), 400, "INVALID_PARAMETER_VALUE");
        // Exactly at the limit is fine.
        mlflow.logBatch(runId, IntStream.range(0, 1000).mapToObj(i -> metric("at_limit", i, i)).toList(), null, null);

        assertThat(mlflow.getMetricHistory(runId, "big")).isEmpty();
        assertThat(mlflow.getMetricHistory(runId, "at_limit")).hasSize(1000);
        Run run = mlflow.getRun(runId);
        assertThat(map(run.getData().getParamsList(), Param::getKey, Param::getValue))
                .containsExactlyInAnyOrderEntriesOf(Map.of("lr", "0.01"));
        assertThat(map(run.getData().getTagsList(), RunTag::getKey, RunTag::getValue))
                .doesNotContainKeys("fresh", "t0", "t100");
        JsonNode platformRun = JSON.readTree(gateway("/api/runs/" + runId, "GET", null, VIEWER).body());
        assertThat(platformRun.get("params").properties()).hasSize(1);
        assertThat(platformRun.get("metrics").has("big")).isFalse();
    }

    @Test
    void aTrainersRunReadsAsAnMlflowRun() throws Exception {
        MlflowClient mlflow = client(VIEWER);
        Run run = mlflow.getRun(Long.toString(TRAINER_RUN));
        assertThat(run.getInfo().getStatus()).isEqualTo(RunStatus.FINISHED);
        assertThat(run.getInfo().getRunUuid()).isEqualTo(Long.toString(TRAINER_RUN));
        assertThat(run.getInfo().getExperimentId()).isEqualTo(Long.toString(TRAINER_EXPERIMENT));
        assertThat(run.getInfo().getEndTime()).isGreaterThanOrEqualTo(run.getInfo().getStartTime());
        assertThat(run.getInfo().getStartTime()).isPositive();
        Map<String, String> params = map(run.getData().getParamsList(), Param::getKey, Param::getValue);
        assertThat(params).containsEntry("model", "unet").containsEntry("epochs", "3")
                .containsEntry("dataset.type", "synthetic");
        assertThat(map(run.getData().getTagsList(), RunTag::getKey, RunTag::getValue))
                .containsEntry("mlflow.runName", "unet-trained");
        Metric iou = run.getData().getMetricsList().stream().filter(m -> m.getKey().equals("val_mean_iou"))
                .findFirst().orElseThrow();
        assertThat(iou.getStep()).isEqualTo(3);
        assertThat(iou.getValue()).isCloseTo(0.8, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(mlflow.getMetricHistory(Long.toString(TRAINER_RUN), "loss"))
                .extracting(Metric::getStep, Metric::getValue)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(1L, 1.0), org.assertj.core.groups.Tuple.tuple(2L, 0.5),
                        org.assertj.core.groups.Tuple.tuple(3L, 1.0 / 3));

        assertThat(mlflow.getRun(Long.toString(QUEUED_TRAINER_RUN)).getInfo().getStatus())
                .isEqualTo(RunStatus.SCHEDULED);
        RunsPage unets = mlflow.searchRuns(List.of(Long.toString(TRAINER_EXPERIMENT)), "params.model = 'unet'",
                ViewType.ACTIVE_ONLY, 10, List.of("attributes.start_time DESC"));
        assertThat(unets.getItems()).extracting(r -> r.getInfo().getRunId())
                .contains(Long.toString(TRAINER_RUN), Long.toString(QUEUED_TRAINER_RUN));

        // MLflow's status names work in filters too.
        assertThat(mlflow.searchRuns(List.of(Long.toString(TRAINER_EXPERIMENT)), "attributes.status = 'FINISHED'"))
                .extracting(info -> info.getRunId()).containsExactly(Long.toString(TRAINER_RUN));
        assertThat(mlflow.searchRuns(List.of(Long.toString(TRAINER_EXPERIMENT)), "attributes.status != 'FINISHED'"))
                .extracting(info -> info.getRunId()).containsExactly(Long.toString(QUEUED_TRAINER_RUN));

        // A trainer's run changes status only through its job.
        assertMlflowError(() -> client(SCIENTIST).setTerminated(Long.toString(QUEUED_TRAINER_RUN), RunStatus.FINISHED),
                400, "INVALID_PARAMETER_VALUE");
        assertThat(mlflow.getRun(Long.toString(QUEUED_TRAINER_RUN)).getInfo().getStatus())
                .isEqualTo(RunStatus.SCHEDULED);
    }

    @Test
    void registryVersionsFromRunsAndAliasesThatMove() throws Exception {
        MlflowClient mlflow = client(SCIENTIST);
        String experimentId = mlflow.createExperiment("registry");
        List<String> runIds = new java.util.ArrayList<>();
        List<byte[]> bundles = List.of(new byte[] {1, 2, 3}, new byte[] {4, 5, 6, 7});
        for (byte[] bundle : bundles) {
            String runId = mlflow.createRun(experimentId).getRunId();
            assertThat(gateway("/api/2.0/mlflow-artifacts/artifacts/" + experimentId + "/" + runId
                    + "/artifacts/model/bundle.zip", "PUT", bundle, SCIENTIST).statusCode()).isEqualTo(200);
            mlflow.setTerminated(runId);
            runIds.add(runId);
        }
        JsonNode model = JSON.readTree(mlflow.sendPost("registered-models/create", "{\"name\": \"pets\"}"));
        assertThat(model.get("registered_model").get("name").asString()).isEqualTo("pets");
        for (String runId : runIds) {
            mlflow.sendPost("model-versions/create", "{\"name\": \"pets\", \"source\": \"runs:/" + runId
                    + "/model\", \"run_id\": \"" + runId + "\"}");
        }
        mlflow.sendPost("registered-models/alias", "{\"name\": \"pets\", \"alias\": \"production\", \"version\": \"1\"}");

        var registered = mlflow.getRegisteredModel("pets");
        assertThat(registered.getLatestVersionsList()).extracting(v -> v.getVersion()).containsExactly("2");
        assertThat(registered.getAliasesList()).extracting(a -> a.getAlias() + "=" + a.getVersion())
                .containsExactly("production=1");
        assertThat(mlflow.getModelVersion("pets", "1").getRunId()).isEqualTo(runIds.get(0));
        assertThat(mlflow.getModelVersion("pets", "1").getAliasesList()).containsExactly("production");
        assertThat(mlflow.getModelVersionDownloadUri("pets", "2"))
                .isEqualTo("mlflow-artifacts:/" + experimentId + "/" + runIds.get(1) + "/artifacts/model");
        assertThat(mlflow.searchModelVersions("name = 'pets'").getItems()).extracting(v -> v.getVersion())
                .containsExactly("2", "1");

        // The platform resolves the alias to a run and its bundle: what a server would load.
        JsonNode resolved = JSON.readTree(gateway("/api/models/resolve?uri=" + enc("models:/pets@production"), "GET",
                null, VIEWER).body());
        assertThat(resolved.get("version").asInt()).isEqualTo(1);
        assertThat(resolved.get("runId").asString()).isEqualTo(runIds.get(0));
        assertThat(gatewayBytes(resolved.get("artifactUrl").asString(), VIEWER).body()).isEqualTo(bundles.get(0));

        // Moving the alias is one call; the next resolve names the other version.
        mlflow.sendPost("registered-models/alias", "{\"name\": \"pets\", \"alias\": \"production\", \"version\": \"2\"}");
        JsonNode moved = JSON.readTree(gateway("/api/models/resolve?uri=" + enc("models:/pets@production"), "GET",
                null, VIEWER).body());
        assertThat(moved.get("runId").asString()).isEqualTo(runIds.get(1));
        assertThat(JSON.readTree(mlflow.sendGet("registered-models/alias?name=pets&alias=production"))
                .get("model_version").get("version").asString()).isEqualTo("2");

        assertMlflowError(() -> mlflow.sendPost("registered-models/create", "{\"name\": \"pets\"}"), 400,
                "RESOURCE_ALREADY_EXISTS");
        mlflow.sendPost("registered-models/create", "{\"name\": \"dogs\"}");
        assertMlflowError(() -> mlflow.sendPost("registered-models/rename", "{\"name\": \"dogs\", \"new_name\": \"pets\"}"),
                400, "RESOURCE_ALREADY_EXISTS");
        assertThat(mlflow.getRegisteredModel("dogs").getName()).isEqualTo("dogs");
        HttpResponse<String> malformed = gateway("/api/2.0/mlflow/model-versions/create", "POST",
                "{\"name\": \"pets\", \"source\": ".getBytes(StandardCharsets.UTF_8), SCIENTIST);
        assertThat(malformed.statusCode()).isEqualTo(400);
        assertThat(errorCode(malformed.body())).isEqualTo("MALFORMED_REQUEST");
        assertThat(mlflow.searchModelVersions("name = 'pets'").getItems()).hasSize(2);
        assertMlflowError(() -> mlflow.getModelVersion("pets", "9"), 404, "RESOURCE_DOES_NOT_EXIST");
        assertMlflowError(() -> mlflow.getRegisteredModel("cats"), 404, "RESOURCE_DOES_NOT_EXIST");
        assertMlflowError(() -> mlflow.sendPost("registered-models/alias",
                "{\"name\": \"pets\", \"alias\": \"latest\", \"version\": \"1\"}"), 400, "INVALID_PARAMETER_VALUE");
        assertMlflowError(() -> mlflow.sendPost("model-versions/create",
                "{\"name\": \"pets\", \"source\": \"runs:/987654/model\"}"), 404, "RESOURCE_DOES_NOT_EXIST");
        assertMlflowError(() -> client(VIEWER).sendPost("registered-models/alias",
                "{\"name\": \"pets\", \"alias\": \"production\", \"version\": \"1\"}"), 403, "PERMISSION_DENIED");

        HttpResponse<String> deleted = gateway("/api/2.0/mlflow/registered-models/alias", "DELETE",
                "{\"name\": \"pets\", \"alias\": \"production\"}".getBytes(StandardCharsets.UTF_8), SCIENTIST);
        assertThat(deleted.statusCode()).isEqualTo(200);
        assertThat(gateway("/api/models/resolve?uri=" + enc("models:/pets@production"), "GET", null, VIEWER)
                .statusCode()).isEqualTo(404);
        assertThat(gateway("/api/2.0/mlflow/model-versions/delete", "DELETE",
                "{\"name\": \"pets\", \"version\": \"2\"}".getBytes(StandardCharsets.UTF_8), SCIENTIST).statusCode())
                .isEqualTo(200);
        assertThat(mlflow.searchModelVersions("name = 'pets'").getItems()).extracting(v -> v.getVersion())
                .containsExactly("1");
    }

    @Test
    void runsWithoutAnExperimentGoToTheDefaultExperimentZero() throws Exception {
        MlflowClient mlflow = client(SCIENTIST);
        // MlflowClient.createRun() names no experiment: MLflow's clients send "0", as mlflow.start_run() does.
        RunInfo info = mlflow.createRun();
        assertThat(info.getExperimentId()).isEqualTo("0");
        assertThat(info.getArtifactUri()).isEqualTo("mlflow-artifacts:/0/" + info.getRunId() + "/artifacts");
        mlflow.logMetric(info.getRunId(), "acc", 0.5);
        String second = mlflow.createRun("0").getRunId();

        Experiment zero = mlflow.getExperiment("0");
        assertThat(zero.getName()).isEqualTo("Default");
        assertThat(zero.getLifecycleStage()).isEqualTo("active");
        assertThat(mlflow.getExperimentByName("Default").orElseThrow().getExperimentId()).isEqualTo("0");
        assertThat(client(VIEWER).searchExperiments().getItems()).extracting(Experiment::getExperimentId).contains("0");
        assertThat(mlflow.searchRuns(List.of("0"), "metrics.acc = 0.5")).extracting(RunInfo::getRunId)
                .containsExactly(info.getRunId());
        assertThat(mlflow.searchRuns(List.of("0"), null)).extracting(RunInfo::getRunId)
                .contains(info.getRunId(), second);

        // The same experiment on the platform's side: id 0, named Default, holding both runs.
        JsonNode platform = JSON.readTree(gateway("/api/experiments/0", "GET", null, VIEWER).body());
        assertThat(platform.get("name").asString()).isEqualTo("Default");
        JsonNode runs = JSON.readTree(gateway("/api/runs?experimentId=0", "GET", null, VIEWER).body());
        assertThat(runs.get("runs")).extracting(r -> r.get("id").asString()).contains(info.getRunId(), second);
        // Its artifacts take the proxy's path under experiment 0 like any other.
        String proxy = "/api/2.0/mlflow-artifacts/artifacts/0/" + info.getRunId() + "/artifacts/notes.txt";
        assertThat(gateway(proxy, "PUT", new byte[] {7}, SCIENTIST).statusCode()).isEqualTo(200);
        assertThat(gatewayBytes(proxy, VIEWER).body()).containsExactly(7);
    }

    @Test
    void severalOrderKeysAndPagesOfHistoryAndArtifacts() throws Exception {
        MlflowClient mlflow = client(SCIENTIST);
        String experimentId = mlflow.createExperiment("ordering and paging");
        // a and b tie on the metric and differ in start time; d has no metric and sorts last either way.
        Map<String, String> ids = new java.util.LinkedHashMap<>();
        double[] iou = {0.9, 0.9, 0.5, Double.NaN};
        String[] names = {"a", "b", "c", "d"};
        for (int i = 0; i < names.length; i++) {
            String runId = mlflow.createRun(CreateRun.newBuilder().setExperimentId(experimentId).setRunName(names[i])
                    .setStartTime(1_000_000L + 1000L * i).build()).getRunId();
            if (!Double.isNaN(iou[i])) {
                mlflow.logMetric(runId, "val_mean_iou", iou[i]);
            }
            ids.put(names[i], runId);
        }
        Function<List<String>, List<String>> order = keys -> mlflow.searchRuns(List.of(experimentId), null,
                        ViewType.ACTIVE_ONLY, 10, keys).getItems().stream().map(r -> r.getInfo().getRunName()).toList();
        assertThat(order.apply(List.of("metrics.val_mean_iou DESC", "start_time ASC"))).containsExactly("a", "b", "c", "d");
        assertThat(order.apply(List.of("metrics.val_mean_iou DESC", "attributes.start_time DESC")))
                .containsExactly("b", "a", "c", "d");
        assertThat(order.apply(List.of("metrics.val_mean_iou ASC", "start_time DESC")))
                .containsExactly("c", "b", "a", "d");
        // Pages of one cut the same two-key order: every run once, in order.
        List<String> paged = new java.util.ArrayList<>();
        RunsPage page = mlflow.searchRuns(List.of(experimentId), null, ViewType.ACTIVE_ONLY, 1,
                List.of("metrics.val_mean_iou DESC", "start_time DESC"));
        while (true) {
            page.getItems().forEach(r -> paged.add(r.getInfo().getRunName()));
            if (!page.hasNextPage()) {
                break;
            }
            page = (RunsPage) page.getNextPage();
        }
        assertThat(paged).containsExactly("b", "a", "c", "d");
        // A token is bound to its ordering.
        String token = mlflow.searchRuns(List.of(experimentId), null, ViewType.ACTIVE_ONLY, 1,
                List.of("metrics.val_mean_iou DESC", "start_time DESC")).getNextPageToken().orElseThrow();
        assertMlflowError(() -> mlflow.searchRuns(List.of(experimentId), null, ViewType.ACTIVE_ONLY, 1,
                List.of("metrics.val_mean_iou DESC"), token), 400, "INVALID_PARAMETER_VALUE");
        assertMlflowError(() -> mlflow.searchRuns(List.of(experimentId), null, ViewType.ACTIVE_ONLY, 1,
                List.of("metrics.val_mean_iou DESC", "start_time SIDEWAYS")), 400, "INVALID_PARAMETER_VALUE");

        // A metric's history in pages of 300: 1000 points, each once, by step.
        String runId = ids.get("a");
        mlflow.logBatch(runId, IntStream.range(0, 1000).mapToObj(step -> metric("loss", 1.0 / (step + 1), step))
                .toList(), null, null);
        List<Long> steps = new java.util.ArrayList<>();
        String next = null;
        int pages = 0;
        do {
            JsonNode history = JSON.readTree(mlflow.sendGet("metrics/get-history?run_id=" + runId
                    + "&metric_key=loss&max_results=300" + (next == null ? "" : "&page_token=" + enc(next))));
            history.get("metrics").forEach(m -> steps.add(m.get("step").asLong()));
            next = history.has("next_page_token") ? history.get("next_page_token").asString() : null;
            pages++;
        } while (next != null);
        assertThat(pages).isEqualTo(4);
        assertThat(steps).containsExactlyElementsOf(IntStream.range(0, 1000).mapToObj(Long::valueOf).toList());
        assertMlflowError(() -> mlflow.sendGet("metrics/get-history?run_id=" + runId
                + "&metric_key=loss&max_results=25001"), 400, "INVALID_PARAMETER_VALUE");
        assertMlflowError(() -> mlflow.sendGet("metrics/get-history?run_id=" + runId
                + "&metric_key=loss&page_token=not-a-token"), 400, "INVALID_PARAMETER_VALUE");

        // artifacts/list takes a page_token and, as MLflow 2.17's server, answers every entry in one page.
        String proxy = "/api/2.0/mlflow-artifacts/artifacts/" + experimentId + "/" + runId + "/artifacts/";
        for (String file : List.of("one.txt", "two.txt", "sub/three.txt")) {
            assertThat(gateway(proxy + file, "PUT", new byte[] {1}, SCIENTIST).statusCode()).isEqualTo(200);
        }
        JsonNode listed = JSON.readTree(mlflow.sendGet("artifacts/list?run_id=" + runId + "&page_token=anything"));
        assertThat(listed.get("files")).extracting(f -> f.get("path").asString())
                .containsExactlyInAnyOrder("one.txt", "two.txt", "sub");
        assertThat(listed.has("next_page_token")).isFalse();
    }

    @Test
    void registryTagsAndStages() throws Exception {
        MlflowClient mlflow = client(SCIENTIST);
        String experimentId = mlflow.createExperiment("registry tags");
        String runId = mlflow.createRun(experimentId).getRunId();
        mlflow.sendPost("registered-models/create", """
                {"name": "tagged", "tags": [{"key": "team", "value": "vision"}, {"key": "task", "value": "pets"}]}""");
        for (int i = 0; i < 3; i++) {
            mlflow.sendPost("model-versions/create", """
                    {"name": "tagged", "source": "runs:/%s/model", "run_id": "%s",
                     "tags": [{"key": "trained_on", "value": "day %d"}]}""".formatted(runId, runId, i));
        }
        mlflow.sendPost("registered-models/set-tag", "{\"name\": \"tagged\", \"key\": \"team\", \"value\": \"seg\"}");
        mlflow.sendPost("registered-models/set-tag", "{\"name\": \"tagged\", \"key\": \"owner\", \"value\": \"ana\"}");
        assertThat(gateway("/api/2.0/mlflow/registered-models/delete-tag", "DELETE",
                "{\"name\": \"tagged\", \"key\": \"task\"}".getBytes(StandardCharsets.UTF_8), SCIENTIST).statusCode())
                .isEqualTo(200);
        // As in MLflow's registry, deleting a tag that is not there is no error.
        assertThat(gateway("/api/2.0/mlflow/registered-models/delete-tag?name=tagged&key=never", "DELETE", null,
                SCIENTIST).statusCode()).isEqualTo(200);
        mlflow.sendPost("model-versions/set-tag",
                "{\"name\": \"tagged\", \"version\": \"2\", \"key\": \"validated\", \"value\": \"yes\"}");
        assertThat(gateway("/api/2.0/mlflow/model-versions/delete-tag", "DELETE",
                "{\"name\": \"tagged\", \"version\": \"2\", \"key\": \"trained_on\"}".getBytes(StandardCharsets.UTF_8),
                SCIENTIST).statusCode()).isEqualTo(200);

        var model = client(VIEWER).getRegisteredModel("tagged");
        assertThat(map(model.getTagsList(), t -> t.getKey(), t -> t.getValue()))
                .containsExactlyInAnyOrderEntriesOf(Map.of("team", "seg", "owner", "ana"));
        assertThat(map(mlflow.getModelVersion("tagged", "2").getTagsList(), t -> t.getKey(), t -> t.getValue()))
                .containsExactlyInAnyOrderEntriesOf(Map.of("validated", "yes"));
        assertThat(map(mlflow.getModelVersion("tagged", "1").getTagsList(), t -> t.getKey(), t -> t.getValue()))
                .containsExactlyInAnyOrderEntriesOf(Map.of("trained_on", "day 0"));
        JsonNode searched = JSON.readTree(mlflow.sendGet("registered-models/search?filter=" + enc("name = 'tagged'")));
        assertThat(searched.get("registered_models").get(0).get("tags")).extracting(t -> t.get("key").asString())
                .containsExactly("owner", "team");
        assertThat(mlflow.searchModelVersions("name = 'tagged'").getItems())
                .extracting(v -> v.getVersion() + ":" + v.getTagsList().stream().map(t -> t.getKey())
                        .collect(Collectors.joining(",")))
                .containsExactly("3:trained_on", "2:validated", "1:trained_on");
        // Searches filter by tags too, ANDed with the other clauses.
        assertThat(mlflow.searchModelVersions("name = 'tagged' and tags.validated = 'yes'").getItems())
                .extracting(v -> v.getVersion()).containsExactly("2");
        assertThat(mlflow.searchModelVersions("tags.`trained_on` = 'day 2'").getItems())
                .extracting(v -> v.getName() + "/" + v.getVersion()).containsExactly("tagged/3");
        JsonNode byTag = JSON.readTree(mlflow.sendGet("registered-models/search?filter="
                + enc("name LIKE 'tag%' and tags.team = 'seg' and tags.owner = 'ana'")));
        assertThat(byTag.get("registered_models")).extracting(m -> m.get("name").asString()).containsExactly("tagged");
        JsonNode noneTagged = JSON.readTree(mlflow.sendGet("registered-models/search?filter="
                + enc("tags.team = 'vision'")));
        assertThat(noneTagged.path("registered_models")).isEmpty();
        assertMlflowError(() -> mlflow.sendGet("registered-models/search?filter=" + enc("tags.team > 'a'")), 400,
                "INVALID_PARAMETER_VALUE");

        // Stages, deprecated in MLflow, are stored as sent; archiving moves the earlier Production version.
        JsonNode moved = JSON.readTree(mlflow.sendPost("model-versions/transition-stage", """
                {"name": "tagged", "version": "1", "stage": "production", "archive_existing_versions": false}"""));
        assertThat(moved.get("model_version").get("current_stage").asString()).isEqualTo("Production");
        mlflow.sendPost("model-versions/transition-stage",
                "{\"name\": \"tagged\", \"version\": \"2\", \"stage\": \"Production\", \"archive_existing_versions\": true}");
        assertThat(mlflow.getModelVersion("tagged", "1").getCurrentStage()).isEqualTo("Archived");
        assertThat(mlflow.getLatestVersions("tagged", List.of("Production"))).extracting(v -> v.getVersion())
                .containsExactly("2");
        assertThat(mlflow.getLatestVersions("tagged")).extracting(v -> v.getCurrentStage() + "=" + v.getVersion())
                .containsExactly("None=3", "Production=2", "Archived=1");
        assertThat(mlflow.getRegisteredModel("tagged").getLatestVersionsList()).extracting(v -> v.getVersion())
                .containsExactly("3", "2", "1");

        // Bad input: MLflow's codes, and nothing changed.
        assertMlflowError(() -> mlflow.sendPost("model-versions/transition-stage",
                "{\"name\": \"tagged\", \"version\": \"3\", \"stage\": \"Shipped\"}"), 400, "INVALID_PARAMETER_VALUE");
        assertMlflowError(() -> mlflow.sendPost("model-versions/transition-stage",
                "{\"name\": \"tagged\", \"version\": \"3\", \"stage\": \"Archived\", \"archive_existing_versions\": true}"),
                400, "INVALID_PARAMETER_VALUE");
        assertMlflowError(() -> mlflow.sendPost("registered-models/set-tag",
                "{\"name\": \"no-such-model\", \"key\": \"k\", \"value\": \"v\"}"), 404, "RESOURCE_DOES_NOT_EXIST");
        assertMlflowError(() -> mlflow.sendPost("model-versions/set-tag",
                "{\"name\": \"tagged\", \"version\": \"9\", \"key\": \"k\", \"value\": \"v\"}"), 404, "RESOURCE_DOES_NOT_EXIST");
        assertMlflowError(() -> mlflow.sendPost("registered-models/set-tag", "{\"name\": \"tagged\", \"value\": \"v\"}"),
                400, "INVALID_PARAMETER_VALUE");
        assertMlflowError(() -> mlflow.sendPost("registered-models/set-tag",
                "{\"name\": \"tagged\", \"key\": \"big\", \"value\": \"" + "x".repeat(8001) + "\"}"), 400,
                "INVALID_PARAMETER_VALUE");
        assertMlflowError(() -> mlflow.sendPost("registered-models/create", """
                {"name": "half", "tags": [{"key": "ok", "value": "1"}, {"key": "", "value": "2"}]}"""), 400,
                "INVALID_PARAMETER_VALUE");
        assertMlflowError(() -> mlflow.getRegisteredModel("half"), 404, "RESOURCE_DOES_NOT_EXIST");
        MlflowClient viewer = client(VIEWER);
        assertMlflowError(() -> viewer.sendPost("registered-models/set-tag",
                "{\"name\": \"tagged\", \"key\": \"team\", \"value\": \"viewers\"}"), 403, "PERMISSION_DENIED");
        assertMlflowError(() -> viewer.sendPost("model-versions/transition-stage",
                "{\"name\": \"tagged\", \"version\": \"3\", \"stage\": \"Production\"}"), 403, "PERMISSION_DENIED");
        assertThat(gateway("/api/2.0/mlflow/model-versions/delete-tag?name=tagged&version=2&key=validated", "DELETE",
                null, VIEWER).statusCode()).isEqualTo(403);
        assertThat(map(mlflow.getRegisteredModel("tagged").getTagsList(), t -> t.getKey(), t -> t.getValue()))
                .containsEntry("team", "seg").doesNotContainKey("big");
        assertThat(mlflow.getModelVersion("tagged", "3").getCurrentStage()).isEqualTo("None");
        assertThat(mlflow.getModelVersion("tagged", "2").getTagsList()).extracting(t -> t.getKey())
                .containsExactly("validated");
    }

    // --- helpers ---

    private MlflowClient client(String key) {
        return new MlflowClient(new BasicMlflowHostCreds("http://127.0.0.1:" + port, key));
    }

    private static void assertMlflowError(Runnable call, int status, String code) {
        assertThatThrownBy(call::run).isInstanceOfSatisfying(MlflowHttpException.class, e -> {
            assertThat(e.getStatusCode()).as(e.getBodyMessage()).isEqualTo(status);
            assertThat(errorCode(e.getBodyMessage())).as(e.getBodyMessage()).isEqualTo(code);
        });
    }

    private static String errorCode(String body) {
        return JSON.readTree(body).get("error_code").asString();
    }

    private static Metric metric(String key, double value, long step) {
        return Metric.newBuilder().setKey(key).setValue(value).setStep(step).setTimestamp(System.currentTimeMillis())
                .build();
    }

    private static Param param(String key, String value) {
        return Param.newBuilder().setKey(key).setValue(value).build();
    }

    private static RunTag tag(String key, String value) {
        return RunTag.newBuilder().setKey(key).setValue(value).build();
    }

    private static <T> Map<String, String> map(List<T> entries, Function<T, String> key, Function<T, String> value) {
        return entries.stream().collect(Collectors.toMap(key, value));
    }

    private static String enc(String text) {
        return java.net.URLEncoder.encode(text, StandardCharsets.UTF_8);
    }

    private HttpResponse<String> gateway(String path, String method, byte[] body, String key) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofByteArray(body));
        if (body != null) {
            request.header("Content-Type", path.contains("mlflow-artifacts") ? "application/octet-stream"
                    : "application/json");
        }
        if (key != null) {
            request.header("Authorization", "Bearer " + key);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<byte[]> gatewayBytes(String path, String key) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .header("Authorization", "Bearer " + key).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private static long createTrainerRun(String name) throws Exception {
        return direct("/api/experiments/" + TRAINER_EXPERIMENT + "/runs", "POST", """
                {"name": "%s", "spec": {"model": "unet", "epochs": 3, "batchSize": 8, "learningRate": 0.01,
                 "imageSize": 32, "width": 8, "dataset": {"type": "synthetic", "count": 10, "seed": 1}}}"""
                .formatted(name), null).get("id").asLong();
    }

    /** A call straight to the experiment service, as a trainer makes it (job protocol, lease token). */
    private static JsonNode direct(String path, String method, String json, String lease) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(EXPERIMENT.url().resolve(path))
                .header("Content-Type", "application/json")
                .header("X-Internal-Token", INTERNAL_TOKEN)
                .method(method, HttpRequest.BodyPublishers.ofString(json));
        if (lease != null) {
            request.header("X-Lease-Token", lease);
        }
        HttpResponse<String> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() >= 300) {
            throw new IllegalStateException(method + " " + path + " -> " + response.statusCode() + ": " + response.body());
        }
        return response.body().isEmpty() ? JSON.createObjectNode() : JSON.readTree(response.body());
    }
}
