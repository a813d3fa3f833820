package dev.segplatform.experiment.mlflow;

import dev.segplatform.experiment.mlflow.MlflowRegistryMessages.Request;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.util.List;
import java.util.Map;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PatchMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * MLflow's model registry API 2.0. MLflow's clients send DELETE with a JSON body and GET with query
 * parameters; the DELETEs here take either, since proxies and other clients may drop a DELETE's body.
 */
@RestController
@RequestMapping({"/api/2.0/mlflow", "/ajax-api/2.0/mlflow"})
@Tag(name = "MLflow registry", description = "MLflow REST API 2.0 (model registry): models, versions, aliases")
class MlflowRegistryController {

    private final MlflowRegistry registry;

    MlflowRegistryController(MlflowRegistry registry) {
        this.registry = registry;
    }

    @PostMapping("/registered-models/create")
    @Operation(summary = "Create a registered model")
    MlflowRegistryMessages.RegisteredModelResponse create(@RequestBody Request request) {
        return new MlflowRegistryMessages.RegisteredModelResponse(registry.create(request));
    }

    @GetMapping("/registered-models/get")
    @Operation(summary = "A registered model with its aliases and newest version")
    MlflowRegistryMessages.RegisteredModelResponse get(@RequestParam(required = false) String name) {
        return new MlflowRegistryMessages.RegisteredModelResponse(registry.get(name));
    }

    @GetMapping("/registered-models/search")
    @Operation(summary = "Search registered models by name (=, LIKE, ILIKE), by name")
    MlflowRegistryMessages.SearchRegisteredModelsResponse search(
            @RequestParam(required = false) String filter,
            @RequestParam(name = "max_results", required = false) Integer maxResults,
            @RequestParam(name = "page_token", required = false) String pageToken) {
        return registry.search(filter, maxResults, pageToken);
    }

    @PostMapping("/registered-models/rename")
    @Operation(summary = "Rename a registered model")
    MlflowRegistryMessages.RegisteredModelResponse rename(@RequestBody Request request) {
        return new MlflowRegistryMessages.RegisteredModelResponse(registry.rename(request));
    }

    @PatchMapping("/registered-models/update")
    @Operation(summary = "Change a registered model's description")
    MlflowRegistryMessages.RegisteredModelResponse update(@RequestBody Request request) {
        return new MlflowRegistryMessages.RegisteredModelResponse(registry.update(request));
    }

    @DeleteMapping("/registered-models/delete")
    @Operation(summary = "Delete a registered model, its versions and aliases; the runs stay")
    Map<String, Object> delete(@RequestBody(required = false) Request request,
                               @RequestParam(required = false) String name) {
        registry.delete(request != null && request.name() != null ? request.name() : name);
        return Map.of();
    }

    @PostMapping("/registered-models/alias")
    @Operation(summary = "Point an alias at a version, moving it if it named another")
    Map<String, Object> setAlias(@RequestBody Request request) {
        registry.setAlias(request);
        return Map.of();
    }

    @DeleteMapping("/registered-models/alias")
    @Operation(summary = "Delete an alias")
    Map<String, Object> deleteAlias(@RequestBody(required = false) Request request,
                                    @RequestParam(required = false) String name,
                                    @RequestParam(required = false) String alias) {
        registry.deleteAlias(request != null && request.name() != null ? request.name() : name,
                request != null && request.alias() != null ? request.alias() : alias);
        return Map.of();
    }

    @GetMapping("/registered-models/alias")
    @Operation(summary = "The version an alias names")
    MlflowRegistryMessages.ModelVersionResponse byAlias(@RequestParam(required = false) String name,
                                                        @RequestParam(required = false) String alias) {
        return new MlflowRegistryMessages.ModelVersionResponse(registry.byAlias(name, alias));
    }

    @GetMapping("/registered-models/get-latest-versions")
    @Operation(summary = "The newest version in each stage asked for (every stage if none)")
    MlflowRegistryMessages.ModelVersionsResponse latestVersions(@RequestParam(required = false) String name,
                                                                @RequestParam(required = false) List<String> stages) {
        return new MlflowRegistryMessages.ModelVersionsResponse(registry.latestVersions(name, stages));
    }

    @PostMapping("/registered-models/get-latest-versions")
    @Operation(summary = "The same, asked with a body")
    MlflowRegistryMessages.ModelVersionsResponse latestVersionsByBody(@RequestBody Request request) {
        return new MlflowRegistryMessages.ModelVersionsResponse(registry.latestVersions(request.name(),
                request.stages()));
    }

    @PostMapping("/registered-models/set-tag")
    @Operation(summary = "Set a registered model's tag")
    Map<String, Object> setModelTag(@RequestBody Request request) {
        registry.setModelTag(request);
        return Map.of();
    }

    @DeleteMapping("/registered-models/delete-tag")
    @Operation(summary = "Delete a registered model's tag (a missing key is no error, as in MLflow)")
    Map<String, Object> deleteModelTag(@RequestBody(required = false) Request request,
                                       @RequestParam(required = false) String name,
                                       @RequestParam(required = false) String key) {
        registry.deleteModelTag(request != null && request.name() != null ? request.name() : name,
                request != null && request.key() != null ? request.key() : key);
        return Map.of();
    }

    @PostMapping("/model-versions/set-tag")
    @Operation(summary = "Set a model version's tag")
    Map<String, Object> setVersionTag(@RequestBody Request request) {
        registry.setVersionTag(request);
        return Map.of();
    }

    @DeleteMapping("/model-versions/delete-tag")
    @Operation(summary = "Delete a model version's tag (a missing key is no error, as in MLflow)")
    Map<String, Object> deleteVersionTag(@RequestBody(required = false) Request request,
                                         @RequestParam(required = false) String name,
                                         @RequestParam(required = false) String version,
                                         @RequestParam(required = false) String key) {
        registry.deleteVersionTag(request != null && request.name() != null ? request.name() : name,
                request != null && request.version() != null ? request.version() : version,
                request != null && request.key() != null ? request.key() : key);
        return Map.of();
    }

    @PostMapping("/model-versions/transition-stage")
    @Operation(summary = "Move a version to None, Staging, Production or Archived (MLflow's deprecated stages; "
            + "serving follows aliases, not stages)")
    MlflowRegistryMessages.ModelVersionResponse transitionStage(@RequestBody Request request) {
        return new MlflowRegistryMessages.ModelVersionResponse(registry.transitionStage(request));
    }

    @PostMapping("/model-versions/create")
    @Operation(summary = "Register the next version of a model from a run")
    MlflowRegistryMessages.ModelVersionResponse createVersion(@RequestBody Request request) {
        return new MlflowRegistryMessages.ModelVersionResponse(registry.createVersion(request));
    }

    @GetMapping("/model-versions/get")
    @Operation(summary = "A model version")
    MlflowRegistryMessages.ModelVersionResponse getVersion(@RequestParam(required = false) String name,
                                                           @RequestParam(required = false) String version) {
        return new MlflowRegistryMessages.ModelVersionResponse(registry.getVersion(name, version));
    }

    @GetMapping("/model-versions/search")
    @Operation(summary = "Search versions by name = '...' and/or run_id = '...'")
    MlflowRegistryMessages.SearchModelVersionsResponse searchVersions(
            @RequestParam(required = false) String filter,
            @RequestParam(name = "max_results", required = false) Integer maxResults,
            @RequestParam(name = "page_token", required = false) String pageToken) {
        return registry.searchVersions(filter, maxResults, pageToken);
    }

    @PatchMapping("/model-versions/update")
    @Operation(summary = "Change a version's description")
    MlflowRegistryMessages.ModelVersionResponse updateVersion(@RequestBody Request request) {
        return new MlflowRegistryMessages.ModelVersionResponse(registry.updateVersion(request));
    }

    @DeleteMapping("/model-versions/delete")
    @Operation(summary = "Delete a version and the aliases naming it")
    Map<String, Object> deleteVersion(@RequestBody(required = false) Request request,
                                      @RequestParam(required = false) String name,
                                      @RequestParam(required = false) String version) {
        registry.deleteVersion(request != null && request.name() != null ? request.name() : name,
                request != null && request.version() != null ? request.version() : version);
        return Map.of();
    }

    @GetMapping("/model-versions/get-download-uri")
    @Operation(summary = "Where a version's files are: the run's path on the artifact proxy")
    MlflowRegistryMessages.DownloadUriResponse downloadUri(@RequestParam(required = false) String name,
                                                           @RequestParam(required = false) String version) {
        return new MlflowRegistryMessages.DownloadUriResponse(registry.downloadUri(name, version));
    }
}
