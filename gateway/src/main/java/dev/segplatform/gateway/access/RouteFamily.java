package dev.segplatform.gateway.access;

import java.util.List;
import java.util.Set;

/**
 * The groups of public routes, each with the roles allowed to read and to write it. Paths not
 * listed here are not exposed (the trainers' job protocol among them).
 */
public enum RouteFamily {
    /** Experiments, runs, metrics, artifacts, studies, models, the queue: the experiment service. */
    TRACKING(Set.of(Role.ADMIN, Role.SCIENTIST, Role.VIEWER), Set.of(Role.ADMIN, Role.SCIENTIST)),
    /**
     * MLflow's REST API on the experiment service, with tracking's roles. MLflow reads some things
     * with POST (the searches), and its clients read errors as {@code error_code} bodies, so this
     * family has its own rules for both.
     */
    MLFLOW(Set.of(Role.ADMIN, Role.SCIENTIST, Role.VIEWER), Set.of(Role.ADMIN, Role.SCIENTIST)),
    /**
     * Segmentation and model metadata: the inference service. Scientists segment too (they try the
     * models they train); viewers only read.
     */
    SEGMENTATION(Set.of(Role.ADMIN, Role.SCIENTIST, Role.VIEWER, Role.CLIENT),
            Set.of(Role.ADMIN, Role.SCIENTIST, Role.CLIENT)),
    /** The gateway's own {@code /api/whoami}: any valid key may read it, none may write. */
    IDENTITY(Set.of(Role.values()), Set.of()),
    /** Probes, metrics, API documents, Swagger UI and the dashboard's static files: no key needed. */
    PUBLIC(Set.of(), Set.of()),
    /** Anything else, the job protocol included: 404 for any valid key. */
    NONE(Set.of(Role.values()), Set.of(Role.values()));

    /** MLflow's API prefixes: the clients', the web UI's, and the artifact proxy's. */
    private static final List<String> MLFLOW_PREFIXES = List.of("/api/2.0/mlflow/", "/ajax-api/2.0/mlflow/",
            "/api/2.0/mlflow-artifacts/");

    /**
     * MLflow's endpoints that read with POST: the searches, whose filters travel in the body. Every
     * other POST of MLflow's API writes.
     */
    private static final List<String> MLFLOW_POST_READS = List.of("/runs/search", "/experiments/search",
            "/registered-models/get-latest-versions");

    private final Set<Role> readers;
    private final Set<Role> writers;

    RouteFamily(Set<Role> readers, Set<Role> writers) {
        this.readers = readers;
        this.writers = writers;
    }

    public static RouteFamily of(String path) {
        if (path.equals("/livez") || path.equals("/readyz") || path.startsWith("/actuator/health")
                || path.equals("/actuator/prometheus") || path.startsWith("/swagger-ui")
                || path.startsWith("/v3/api-docs") || path.startsWith("/webjars/") || isDashboard(path)) {
            return PUBLIC;
        }
        for (String prefix : MLFLOW_PREFIXES) {
            if (path.startsWith(prefix)) {
                return MLFLOW;
            }
        }
        if (path.equals("/api/whoami")) {
            return IDENTITY;
        }
        for (String prefix : new String[] {"/api/experiments", "/api/runs", "/api/studies", "/api/models"}) {
            if (path.equals(prefix) || path.startsWith(prefix + "/")) {
                return TRACKING;
            }
        }
        if (path.equals("/api/queue")) {
            return TRACKING;
        }
        if (path.equals("/api/segment") || path.startsWith("/api/segment/") || path.equals("/api/model")
                || path.equals("/v2") || path.startsWith("/v2/")) {
            return SEGMENTATION;
        }
        return NONE;
    }

    /**
     * The dashboard's static files: its page at {@code /} and its scripts, styles and icon. They hold
     * no data; every call they make to the API carries the user's key.
     */
    public static boolean isDashboard(String path) {
        return path.equals("/") || path.equals("/index.html") || path.equals("/favicon.ico")
                || path.startsWith("/dashboard/");
    }

    /**
     * Whether {@code role} may send {@code method} here. Segmentation is a POST that only reads, so
     * for that family only POST counts as use; GET, HEAD and OPTIONS read everywhere.
     */
    public boolean allows(Role role, String method) {
        boolean read = method.equals("GET") || method.equals("HEAD") || method.equals("OPTIONS");
        return read ? readers.contains(role) : writers.contains(role);
    }

    /** The same, knowing the path: MLflow's searches are POSTs that only read. */
    public boolean allows(Role role, String method, String path) {
        if (this == MLFLOW && method.equals("POST") && MLFLOW_POST_READS.stream().anyMatch(path::endsWith)) {
            return readers.contains(role);
        }
        return allows(role, method);
    }
}
