package dev.segplatform.experiment.internal;

import dev.segplatform.experiment.api.InternalAuth;
import io.swagger.v3.oas.models.Components;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.security.SecurityRequirement;
import io.swagger.v3.oas.models.security.SecurityScheme;
import java.util.List;
import org.springdoc.core.customizers.GlobalOpenApiCustomizer;
import org.springdoc.core.models.GroupedOpenApi;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The job protocol's OpenAPI: its own group ({@code /v3/api-docs/internal}) for the trainers' authors,
 * and, wherever its operations are listed, the internal token as their security, which is what
 * {@link InternalTokenInterceptor} checks; an API key is worth nothing there.
 */
@Configuration(proxyBeanMethods = false)
class JobProtocolDocs {

    static final String SCHEME = "internalToken";
    private static final String JOBS = "/api/jobs";

    @Bean
    GroupedOpenApi internalApi() {
        return GroupedOpenApi.builder().group("internal").displayName("Experiment service: job protocol")
                .pathsToMatch(JOBS + "/**")
                // Only the internal token opens these paths: no API-key schemes in this document.
                .addOpenApiCustomizer(openApi -> {
                    openApi.setSecurity(List.of(new SecurityRequirement().addList(SCHEME)));
                    if (openApi.getComponents() != null && openApi.getComponents().getSecuritySchemes() != null) {
                        openApi.getComponents().getSecuritySchemes().keySet().removeIf(name -> !name.equals(SCHEME));
                    }
                })
                .build();
    }

    /** Every document that lists the protocol (the whole service's, the internal group) names its token. */
    @Bean
    GlobalOpenApiCustomizer jobProtocolSecurity() {
        return openApi -> {
            if (openApi.getPaths() == null || openApi.getPaths().keySet().stream().noneMatch(p -> p.startsWith(JOBS))) {
                return;
            }
            if (openApi.getComponents() == null) {
                openApi.setComponents(new Components());
            }
            openApi.getComponents().addSecuritySchemes(SCHEME, internalTokenScheme());
            openApi.getPaths().forEach((path, item) -> {
                if (path.startsWith(JOBS)) {
                    item.readOperations().forEach(operation ->
                            operation.setSecurity(List.of(new SecurityRequirement().addList(SCHEME))));
                }
            });
        };
    }

    static SecurityScheme internalTokenScheme() {
        return new SecurityScheme().type(SecurityScheme.Type.APIKEY).in(SecurityScheme.In.HEADER)
                .name(InternalAuth.HEADER).description("The platform's internal token, held by trainers only");
    }
}
