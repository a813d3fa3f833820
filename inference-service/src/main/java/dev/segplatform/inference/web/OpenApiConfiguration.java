package dev.segplatform.inference.web;

import dev.segplatform.web.PublicApiDocs;
import io.swagger.v3.oas.models.OpenAPI;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The service's OpenAPI document ({@code /v3/api-docs}), which the gateway serves as
 * {@code /v3/api-docs/inference} in its Swagger UI.
 */
@Configuration(proxyBeanMethods = false)
class OpenApiConfiguration {

    @Bean
    OpenAPI inferenceOpenApi(@Value("${info.app.version}") String version) {
        return PublicApiDocs.document("Inference service", version, "Image segmentation with the best (or a pinned) "
                + "trained model: /api/segment for images and masks, /api/model for the model served, and the "
                + "KServe v2 inference protocol under /v2.");
    }
}
