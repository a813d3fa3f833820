package dev.segplatform.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.mlflow.api.proto.Service.Metric;
import org.mlflow.api.proto.Service.Param;
import org.mlflow.api.proto.Service.Run;
import org.mlflow.api.proto.Service.RunStatus;
import org.mlflow.api.proto.Service.RunTag;
import org.mlflow.tracking.MlflowClient;
import org.mlflow.tracking.creds.BasicMlflowHostCreds;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * MLflow's own Java client, through the demo's gateway, reading the run a real trainer trained and
 * the demo promoted: the gateway module's MLflow tests write their trainer runs through the job
 * protocol by hand; this checks what the trainer really logs (params from its spec, one
 * val_mean_iou point per epoch, the model bundle) and that {@code pets@production} names that run.
 */
final class DemoMlflowCheck {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Pattern REGISTERED = Pattern.compile(
            "Registered (unet|pspnet|icnet) \\(run (\\d+), val_mean_iou ([0-9.]+)\\) as version (\\d+) of pets");

    private final MlflowClient mlflow;

    DemoMlflowCheck(int port, Path data) throws Exception {
        // MLFLOW_TRACKING_URI=http://host:port and MLFLOW_TRACKING_TOKEN=<key>, as the README has it.
        this.mlflow = new MlflowClient(new BasicMlflowHostCreds("http://127.0.0.1:" + port,
                Files.readString(data.resolve("admin-key")).strip()));
    }

    void check(String demoOutput, int epochs) {
        Matcher registered = REGISTERED.matcher(demoOutput);
        assertThat(registered.find()).as("the demo's registration line:%n%s", demoOutput).isTrue();
        String model = registered.group(1);
        String runId = registered.group(2);
        double printedIou = Double.parseDouble(registered.group(3));
        String version = registered.group(4);

        // The alias resolves to the version the demo registered, from the run it chose.
        JsonNode byAlias = JSON.readTree(mlflow.sendGet("registered-models/alias?name=pets&alias=production"))
                .get("model_version");
        assertThat(byAlias.get("version").asString()).isEqualTo(version);
        assertThat(byAlias.get("run_id").asString()).isEqualTo(runId);
        assertThat(byAlias.get("aliases")).extracting(JsonNode::asString).contains("production");
        assertThat(mlflow.getRegisteredModel("pets").getAliasesList())
                .extracting(a -> a.getAlias() + "=" + a.getVersion()).contains("production=" + version);

        Run run = mlflow.getRun(runId);
        assertThat(run.getInfo().getStatus()).isEqualTo(RunStatus.FINISHED);
        assertThat(run.getInfo().getEndTime()).isGreaterThanOrEqualTo(run.getInfo().getStartTime());
        Map<String, String> params = run.getData().getParamsList().stream()
                .collect(Collectors.toMap(Param::getKey, Param::getValue));
        assertThat(params).containsEntry("model", model).containsEntry("epochs", Integer.toString(epochs));
        Map<String, String> tags = run.getData().getTagsList().stream()
                .collect(Collectors.toMap(RunTag::getKey, RunTag::getValue));
        assertThat(tags.get("mlflow.runName")).isEqualTo(run.getInfo().getRunName()).isNotBlank();

        // One val_mean_iou point per epoch, by step; the latest is what the run shows and the demo printed.
        List<Metric> history = mlflow.getMetricHistory(runId, "val_mean_iou");
        assertThat(history).hasSize(epochs);
        assertThat(history).extracting(Metric::getStep).isSorted().doesNotHaveDuplicates();
        Metric latest = run.getData().getMetricsList().stream().filter(m -> m.getKey().equals("val_mean_iou"))
                .findFirst().orElseThrow();
        assertThat(latest.getStep()).isEqualTo(history.get(epochs - 1).getStep());
        assertThat(latest.getValue()).isEqualTo(history.get(epochs - 1).getValue())
                .isCloseTo(printedIou, within(0.0005));

        JsonNode files = JSON.readTree(mlflow.sendGet("artifacts/list?run_id=" + runId + "&path=model")).get("files");
        JsonNode bundle = null;
        for (JsonNode file : files) {
            if (file.get("path").asString().equals("model/bundle.zip")) {
                bundle = file;
            }
        }
        assertThat(bundle).as("model/bundle.zip in %s", files).isNotNull();
        assertThat(bundle.path("is_dir").asBoolean()).isFalse();
        assertThat(bundle.get("file_size").asLong()).isPositive();
    }
}
