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
 * @param embeddedDbCheckInterval how often the service looks whether its embedded PostgreSQL still runs,
 *                         and starts it again if not
 * @param dbRetryAfter     the {@code Retry-After} of the 503 answered while the database cannot be reached
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
        @DefaultValue("500ms") Duration embeddedDbCheckInterval,
        @DefaultValue("2s") Duration dbRetryAfter) {

    public Path postgresDir() {
        return dataDir.resolve("postgres");
    }

    /** The embedded database's generated password, readable by the service's user only. */
    public Path postgresPasswordFile() {
        return dataDir.resolve("postgres.password");
    }

    public Path artifactDir() {
        return dataDir.resolve("artifacts");
    }
}
