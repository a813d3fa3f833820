package dev.segplatform.inference.web;

import io.swagger.v3.oas.models.Components;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.info.Info;
import io.swagger.v3.oas.models.security.SecurityRequirement;
import io.swagger.v3.oas.models.security.SecurityScheme;
import java.util.List;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The service's OpenAPI document ({@code /v3/api-docs}), which the gateway serves as
 * {@code /v3/api-docs/inference} in its Swagger UI. The security schemes are the gateway's: it checks
 * the API key, so "Try it out" through the gateway needs one (Authorize).
 */
@Configuration(proxyBeanMethods = false)
class OpenApiConfiguration {

    private static final String API_KEY = "apiKey";
    private static final String BEARER = "bearer";

    @Bean
    OpenAPI inferenceOpenApi(@Value("${info.app.version}") String version) {
        return new OpenAPI()
                .info(new Info().title("Inference service").version(version)
                        .description("Image segmentation with the best (or a pinned) trained model: /api/segment "
                                + "for images and masks, /api/model for the model served, and the KServe v2 "
                                + "inference protocol under /v2. Through the gateway, send an API key in "
                                + "X-API-Key or as a bearer token (Authorize)."))
                .components(new Components()
                        .addSecuritySchemes(API_KEY, new SecurityScheme().type(SecurityScheme.Type.APIKEY)
                                .in(SecurityScheme.In.HEADER).name("X-API-Key")
                                .description("The platform API key the gateway checks"))
                        .addSecuritySchemes(BEARER, new SecurityScheme().type(SecurityScheme.Type.HTTP)
                                .scheme("bearer").description("The same API key, sent in the Authorization header as a bearer token")))
                // Alternatives: either scheme satisfies the requirement.
                .security(List.of(new SecurityRequirement().addList(API_KEY), new SecurityRequirement().addList(BEARER)));
    }
}
