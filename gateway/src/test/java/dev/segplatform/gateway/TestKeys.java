package dev.segplatform.gateway;

import org.springframework.test.context.DynamicPropertyRegistry;

/** API keys for a gateway under test, configured as {@code gateway.api-keys[]} would be in a deployment. */
final class TestKeys {

    private TestKeys() {
    }

    /** One key per role, each named after its role: pairs of role and key. */
    static void register(DynamicPropertyRegistry registry, String... roleAndKey) {
        for (int i = 0; i < roleAndKey.length / 2; i++) {
            String role = roleAndKey[2 * i];
            String key = roleAndKey[2 * i + 1];
            registry.add("gateway.api-keys[" + i + "].name", () -> role);
            registry.add("gateway.api-keys[" + i + "].role", () -> role);
            registry.add("gateway.api-keys[" + i + "].key", () -> key);
        }
    }
}
