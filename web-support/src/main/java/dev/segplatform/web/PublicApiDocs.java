package dev.segplatform.web;

import io.swagger.v3.oas.models.Components;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.info.Info;
import io.swagger.v3.oas.models.security.SecurityRequirement;
import io.swagger.v3.oas.models.security.SecurityScheme;
import java.util.List;

/**
 * The OpenAPI document of a service the gateway publishes: its security schemes are the gateway's,
 * which checks the API key, so "Try it out" through the gateway's Swagger UI needs one (Authorize).
 */
public final class PublicApiDocs {

    private static final String API_KEY = "apiKey";
    private static final String BEARER = "bearer";

    private PublicApiDocs() {
    }

    public static OpenAPI document(String title, String version, String description) {
        return new OpenAPI()
                .info(new Info().title(title).version(version)
                        .description(description + " Through the gateway, send an API key in X-API-Key or as a "
                                + "bearer token (Authorize)."))
                .components(new Components()
                        .addSecuritySchemes(API_KEY, new SecurityScheme().type(SecurityScheme.Type.APIKEY)
                                .in(SecurityScheme.In.HEADER).name("X-API-Key")
                                .description("The platform API key the gateway checks"))
                        .addSecuritySchemes(BEARER, new SecurityScheme().type(SecurityScheme.Type.HTTP)
                                .scheme("bearer")
                                .description("The same API key, sent in the Authorization header as a bearer token")))
                // Alternatives: either scheme satisfies the requirement.
                .security(List.of(new SecurityRequirement().addList(API_KEY), new SecurityRequirement().addList(BEARER)));
    }
}
