package dev.segplatform.trainer.worker;

import dev.segplatform.experiment.api.InternalAuth;
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
 * The trainer's OpenAPI document ({@code /v3/api-docs}). The trainer is not behind the gateway and takes
 * no API key: its worker endpoints take the internal token ({@link WorkerAccess}), so that is the one
 * scheme declared.
 */
@Configuration(proxyBeanMethods = false)
class WorkerApiDocs {

    private static final String SCHEME = "internalToken";

    @Bean
    OpenAPI trainerOpenApi(@Value("${info.app.version}") String version) {
        return new OpenAPI()
                .info(new Info().title("Trainer service").version(version)
                        .description("A training worker: claims jobs from the experiment service, trains and "
                                + "reports runs. Its worker endpoints show the jobs and runs it holds; they are "
                                + "for the platform's own processes and take the internal token."))
                .components(new Components().addSecuritySchemes(SCHEME, new SecurityScheme()
                        .type(SecurityScheme.Type.APIKEY).in(SecurityScheme.In.HEADER).name(InternalAuth.HEADER)
                        .description("The platform's internal token")))
                .security(List.of(new SecurityRequirement().addList(SCHEME)));
    }
}
