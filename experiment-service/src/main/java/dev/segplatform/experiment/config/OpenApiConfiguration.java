package dev.segplatform.experiment.config;

import dev.segplatform.web.PublicApiDocs;
import io.swagger.v3.oas.models.OpenAPI;
import org.springdoc.core.models.GroupedOpenApi;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The service's OpenAPI documents. {@code /v3/api-docs} is the whole service; the {@code public} group
 * ({@code /v3/api-docs/public}) leaves out the trainers' job protocol and is the one the gateway serves:
 * the gateway does not route {@code /api/jobs/**}, so listing it there only invites 404s. The protocol
 * has its own group, {@code internal} (see {@code internal.JobProtocolDocs}). Groups rather than
 * {@code @Hidden}: the protocol stays documented, with its own security scheme, next to the code.
 */
@Configuration(proxyBeanMethods = false)
class OpenApiConfiguration {

    @Bean
    OpenAPI experimentOpenApi(@Value("${info.app.version}") String version) {
        return PublicApiDocs.document("Experiment service", version, "Experiment tracking for image segmentation: "
                + "experiments, runs with their parameters, metrics and artifacts, hyperparameter studies, and the "
                + "model registry.");
    }

    @Bean
    GroupedOpenApi publicApi() {
        return GroupedOpenApi.builder().group("public").displayName("Experiment service")
                .pathsToExclude("/api/jobs/**").build();
    }
}
