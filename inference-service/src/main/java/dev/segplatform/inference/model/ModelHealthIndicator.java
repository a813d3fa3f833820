package dev.segplatform.inference.model;

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

    ModelHealthIndicator(ModelHolder holder) {
        this.holder = holder;
    }

    @Override
    public Health health() {
        return holder.current()
                .map(m -> Health.up().withDetail("version", m.version()).withDetail("runId", String.valueOf(m.runId()))
                        .build())
                .orElseGet(() -> Health.outOfService().withDetail("reason", "no model loaded yet").build());
    }
}
