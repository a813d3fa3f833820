package dev.segplatform.experiment.config;

import java.nio.file.Path;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * Experiment service settings.
 *
 * @param dataDir          holds the embedded database ({@code postgres/}) and the artifact store
 *                         ({@code artifacts/}); a restart on the same folder loses nothing
 * @param embeddedDbPort   port of the embedded PostgreSQL; 0 picks a free one
 * @param maxArtifactSize  larger uploads are refused with 413
 * @param leaseDuration    how long a claim or heartbeat keeps a job leased
 * @param maxAttempts      leases that may expire before the job is failed
 * @param sweepInterval    how often expired leases are collected
 * @param maxQueuedJobs    queued jobs beyond which new runs are refused with 503 and Retry-After
 * @param studyInterval    how often running tuning studies are advanced (new trials, pruning, completion)
 * @param countCompactionInterval how often the deltas that triggers append to the run counts (runs per
 *                         experiment and status, queued jobs) are folded into one row each, so the experiment
 *                         list and the queue-full check sum a few rows rather than every change since the last fold
 * @param embeddedDbCheckInterval how often the service looks whether its embedded PostgreSQL still runs,
 *                         and starts it again if not
 * @param dbRetryAfter     the {@code Retry-After} of the 503 answered while the database cannot be reached
 * @param internalToken    shared secret the trainers send as {@code X-Internal-Token} on the job protocol
 *                         ({@code /api/jobs/**}); set it from the environment
 *                         ({@code EXPERIMENT_INTERNAL_TOKEN}), never on a command line. Unset: one is
 *                         generated at first start into {@code <data-dir>/internal-token} (mode 600) and
 *                         reused after that
 * @param limits           caps on names, tags, params and metric keys; larger input is refused with 400
 */
@ConfigurationProperties("experiment")
public record ExperimentProperties(
        @DefaultValue("./data") Path dataDir,
        @DefaultValue("0") int embeddedDbPort,
        @DefaultValue("2GB") DataSize maxArtifactSize,
        @DefaultValue("60s") Duration leaseDuration,
        @DefaultValue("3") int maxAttempts,
        @DefaultValue("5s") Duration sweepInterval,
        @DefaultValue("10000") int maxQueuedJobs,
        @DefaultValue("2s") Duration studyInterval,
        @DefaultValue("1s") Duration countCompactionInterval,
        @DefaultValue("500ms") Duration embeddedDbCheckInterval,
        @DefaultValue("2s") Duration dbRetryAfter,
        String internalToken,
        @DefaultValue Limits limits) {

    /**
     * Size limits of what users and workers write, MLflow's where it has one. They can be lowered;
     * the database columns are the ceiling, so a value above one is refused at start-up rather than
     * failing later on a write.
     *
     * @param nameLength       experiment, run and study names (ceiling 256)
     * @param tagsPerEntity    tags on one experiment or run, and in one request
     * @param tagKeyLength     characters of a tag key (ceiling 250)
     * @param tagValueLength   characters of a tag value (ceiling 8000)
     * @param paramsPerRequest params logged in one request
     * @param paramKeyLength   characters of a param key (ceiling 250)
     * @param paramValueLength characters of a param value (ceiling 8000)
     * @param metricKeyLength  characters of a metric key (ceiling 250)
     * @param metricPointsPerRead points one call may read when it asks for several metric histories at once
     *                         ({@code GET /api/runs/{id}/metrics} without {@code key}); counted before anything
     *                         is loaded, so one request cannot pull a run's whole history into memory
     */
    public record Limits(
            @DefaultValue("256") int nameLength,
            @DefaultValue("100") int tagsPerEntity,
            @DefaultValue("250") int tagKeyLength,
            @DefaultValue("8000") int tagValueLength,
            @DefaultValue("100") int paramsPerRequest,
            @DefaultValue("250") int paramKeyLength,
            @DefaultValue("8000") int paramValueLength,
            @DefaultValue("250") int metricKeyLength,
            @DefaultValue("100000") int metricPointsPerRead) {

        public Limits {
            within("name-length", nameLength, 256);
            within("tags-per-entity", tagsPerEntity, 10_000);
            within("tag-key-length", tagKeyLength, 250);
            within("tag-value-length", tagValueLength, 8000);
            within("params-per-request", paramsPerRequest, 10_000);
            within("param-key-length", paramKeyLength, 250);
            within("param-value-length", paramValueLength, 8000);
            within("metric-key-length", metricKeyLength, 250);
            within("metric-points-per-read", metricPointsPerRead, 10_000_000);
        }

        private static void within(String name, int value, int ceiling) {
            if (value < 1 || value > ceiling) {
                throw new IllegalArgumentException("experiment.limits." + name + " must be between 1 and " + ceiling
                        + " (the database column holds at most that); got " + value);
            }
        }
    }

    public ExperimentProperties {
        if (internalToken != null && internalToken.isBlank()) {
            internalToken = null;
        }
    }

    public Path postgresDir() {
        return dataDir.resolve("postgres");
    }

    /** The embedded database's generated password, readable by the service's user only. */
    public Path postgresPasswordFile() {
        return dataDir.resolve("postgres.password");
    }

    /** Where the generated internal token is kept when {@code internalToken} is not set. */
    public Path internalTokenFile() {
        return dataDir.resolve("internal-token");
    }

    public Path artifactDir() {
        return dataDir.resolve("artifacts");
    }
}
