package dev.segplatform.inference.model;

import java.util.Map;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.stereotype.Component;

/**
 * Part of readiness ({@code /readyz}): down until a model is loaded, so no traffic is routed to an
 * instance that can only answer 503. Liveness does not include it: a missing model is not a reason
 * to restart.
 */
@Component("model")
class ModelHealthIndicator implements HealthIndicator {

    private final ModelHolder holder;
    private final ModelPoller poller;

    ModelHealthIndicator(ModelHolder holder, ModelPoller poller) {
        this.holder = holder;
        this.poller = poller;
    }

    @Override
    public Health health() {
        Health.Builder health = holder.current()
                .map(m -> Health.up().withDetail("version", m.version()).withDetail("runId", String.valueOf(m.runId())))
                .orElseGet(() -> Health.outOfService().withDetail("reason", "no model loaded yet"));
        // Why a better model is not served: the candidates that could not be loaded, by key.
        Map<String, String> skipped = poller.skipped();
        if (!skipped.isEmpty()) {
            health.withDetail("skipped", skipped);
        }
        return health.build();
    }
}
