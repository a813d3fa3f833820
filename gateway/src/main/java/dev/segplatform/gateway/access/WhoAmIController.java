package dev.segplatform.gateway.access;

import io.swagger.v3.oas.annotations.Operation;
import jakarta.servlet.http.HttpServletRequest;
import java.util.Locale;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/** Who the presented key belongs to, so the dashboard shows only what the key's role allows. */
@RestController
class WhoAmIController {

    /** The key's name and role ({@code admin}, {@code scientist}, {@code viewer}, {@code client}). */
    record WhoAmI(String name, String role) {
    }

    @GetMapping("/api/whoami")
    @Operation(summary = "The name and role of the API key sent with this request")
    WhoAmI whoami(HttpServletRequest request) {
        ApiKeys.Identity identity = (ApiKeys.Identity) request.getAttribute(ApiKeyFilter.IDENTITY);
        return new WhoAmI(identity.name(), identity.role().name().toLowerCase(Locale.ROOT));
    }
}
