package dev.segplatform.experiment.mlflow;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.databind.annotation.JsonNaming;

/** MLflow's model registry bodies (REST API 2.0), as its protobuf messages print them. */
final class MlflowRegistryMessages {

    private MlflowRegistryMessages() {
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record ModelVersion(String name, String version, Long creationTimestamp, Long lastUpdatedTimestamp,
                        String currentStage, String description, String source, String runId, String status,
                        String runLink, List<String> aliases, List<MlflowMessages.KeyValue> tags) {
    }

    record Alias(String alias, String version) {
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record RegisteredModel(String name, Long creationTimestamp, Long lastUpdatedTimestamp, String description,
                           List<ModelVersion> latestVersions, List<Alias> aliases,
                           List<MlflowMessages.KeyValue> tags) {
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    record RegisteredModelResponse(RegisteredModel registeredModel) {
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    record ModelVersionResponse(ModelVersion modelVersion) {
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record SearchRegisteredModelsResponse(List<RegisteredModel> registeredModels, String nextPageToken) {
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record SearchModelVersionsResponse(List<ModelVersion> modelVersions, String nextPageToken) {
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    record ModelVersionsResponse(List<ModelVersion> modelVersions) {
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    record DownloadUriResponse(String artifactUri) {
    }

    /** Every registry request's fields in one shape: each endpoint reads the ones it needs. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonIgnoreProperties(ignoreUnknown = true)
    record Request(String name, String newName, String description, String alias, String version, String source,
                   String runId, List<MlflowMessages.KeyValue> tags, List<String> stages, String key, String value,
                   String stage, Boolean archiveExistingVersions) {
    }
}
