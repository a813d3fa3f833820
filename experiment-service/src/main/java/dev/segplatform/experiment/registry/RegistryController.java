package dev.segplatform.experiment.registry;

import dev.segplatform.experiment.api.ArtifactPaths;
import dev.segplatform.experiment.problem.InvalidInputException;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

@RestController
@Tag(name = "Models", description = "Which trained model to serve")
class RegistryController {

    /** {@code models:/<name>@<alias>} or {@code models:/<name>/<version>}, as MLflow writes model URIs. */
    private static final Pattern MODEL_URI = Pattern.compile("^models:/([^/@]+)(?:@([^/@]+)|/(\\d{1,9}))$");

    private final ModelRegistry registry;

    RegistryController(ModelRegistry registry) {
        this.registry = registry;
    }

    /**
     * A registered version as a server loads it: which run, and where its bundle is.
     *
     * @param alias        the alias asked for, or null when the URI named a version
     * @param artifactUrl  path of the run's model bundle on this service
     */
    record ResolvedModel(String name, int version, String alias, long runId, long experimentId, String source,
                         String artifactUrl) {
    }

    @GetMapping("/api/models/resolve")
    @Operation(summary = "The registered version a model URI names now (models:/pets@production, models:/pets/3)")
    ResolvedModel resolve(@Parameter(description = "models:/<name>@<alias> or models:/<name>/<version>")
                          @RequestParam String uri) {
        Matcher matcher = MODEL_URI.matcher(uri);
        if (!matcher.matches()) {
            throw new InvalidInputException("uri", "expected models:/<name>@<alias> or models:/<name>/<version>");
        }
        String name = matcher.group(1);
        String alias = matcher.group(2);
        ModelRegistry.ModelVersion version = alias != null ? registry.byAlias(name, alias)
                : registry.version(name, Integer.parseInt(matcher.group(3)));
        return new ResolvedModel(name, version.version(), alias, version.runId(), version.experimentId(),
                version.source(), "/api/runs/" + version.runId() + "/artifacts/" + ArtifactPaths.MODEL_BUNDLE);
    }
}
