package dev.segplatform.experiment.config;

import io.swagger.v3.oas.models.Components;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.info.Info;
import io.swagger.v3.oas.models.security.SecurityRequirement;
import io.swagger.v3.oas.models.security.SecurityScheme;
import java.util.List;
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

    /** Clients authenticate to the gateway, which checks the key; either header carries it. */
    static final String API_KEY = "apiKey";
    static final String BEARER = "bearer";

    @Bean
    OpenAPI experimentOpenApi(@Value("${info.app.version}") String version) {
        return new OpenAPI()
                .info(new Info().title("Experiment service").version(version)
                        .description("Experiment tracking for image segmentation: experiments, runs with their "
                                + "parameters, metrics and artifacts, hyperparameter studies, and the model "
                                + "registry. Through the gateway, send an API key in X-API-Key or as a bearer "
                                + "token (Authorize)."))
                .components(new Components()
                        .addSecuritySchemes(API_KEY, new SecurityScheme().type(SecurityScheme.Type.APIKEY)
                                .in(SecurityScheme.In.HEADER).name("X-API-Key")
                                .description("The platform API key the gateway checks"))
                        .addSecuritySchemes(BEARER, new SecurityScheme().type(SecurityScheme.Type.HTTP)
                                .scheme("bearer").description("The same API key, sent in the Authorization header as a bearer token")))
                // Alternatives: either scheme satisfies the requirement.
                .security(List.of(new SecurityRequirement().addList(API_KEY), new SecurityRequirement().addList(BEARER)));
    }

    @Bean
    GroupedOpenApi publicApi() {
        return GroupedOpenApi.builder().group("public").displayName("Experiment service")
                .pathsToExclude("/api/jobs/**").build();
    }
}
