package dev.segplatform.helm;

import java.util.Map;

/**
 * The value sets the chart is rendered with. Each names its secrets explicitly, so a test can look
 * for them where they must not be (ConfigMaps).
 */
enum Scenario {

    DEFAULTS(Chart.values()),

    EXTERNAL_POSTGRES(Chart.values(
            "postgresql.mode", "external",
            "postgresql.external.host", "pg.databases.svc.cluster.local",
            "postgresql.external.port", 6432,
            "postgresql.external.existingSecret", "managed-pg",
            "postgresql.external.existingSecretPasswordKey", "pg-password",
            "postgresql.jdbcParameters", "sslmode=require")),

    GPU_POOL(Chart.values(
            "trainers.pools.gpu.enabled", true,
            "trainers.pools.gpu.replicas", 2,
            "trainers.pools.gpu.image.tag", "0.1.0-rc1")),

    INGRESS(Chart.values(
            "ingress.enabled", true,
            "ingress.className", "nginx",
            "ingress.hosts[0].host", "seg.example.org",
            "ingress.tls[0].secretName", "seg-tls",
            "ingress.tls[0].hosts[0]", "seg.example.org",
            "gateway.trustedProxies", "10\\.42\\.\\d+\\.\\d+")),

    /** Distributed runs on Spark on Kubernetes: trainers create executor pods. */
    SPARK_ON_KUBERNETES(Chart.values(
            "trainers.spark.kubernetes.enabled", true,
            "trainers.spark.kubernetes.exportVolume.existingClaim", "spark-minibatches",
            "trainers.pools.gpu.enabled", true));

    /** Secret values that every scenario sets on top of its own values. */
    static final String ADMIN_KEY = "admin-key-0123456789abcdef";
    static final String API_KEY = "client-key-0123456789abcdef";
    static final String DB_PASSWORD = "db-password-0123456789";

    private final Map<String, Object> values;

    Scenario(Map<String, Object> values) {
        this.values = values;
    }

    Map<String, Object> helmValues() {
        Map<String, Object> all = Chart.values(
                "gateway.adminKey.value", ADMIN_KEY,
                "gateway.apiKeys.keys[0].name", "mobile-app",
                "gateway.apiKeys.keys[0].role", "client",
                "gateway.apiKeys.keys[0].key", API_KEY,
                "postgresql.bundled.password", DB_PASSWORD);
        all.putAll(values);
        return all;
    }

    Chart.Rendered render() {
        return Chart.render(helmValues());
    }
}
