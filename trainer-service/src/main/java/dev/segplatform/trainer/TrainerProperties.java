package dev.segplatform.trainer;

import java.net.URI;
import java.nio.file.Path;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Trainer settings.
 *
 * @param experimentUrl base URL of the experiment service, whose job protocol the trainer speaks
 * @param workerId      identity reported when claiming jobs; defaults to the host name
 * @param slots         how many jobs this process trains at once
 * @param datasetsRoot  folder that {@code oxford-pet} dataset paths are resolved against
 * @param workDir       scratch space: generated data sets, checkpoints in flight
 */
@ConfigurationProperties("trainer")
public record TrainerProperties(
        @DefaultValue("http://localhost:8081") URI experimentUrl,
        String workerId,
        @DefaultValue("1") int slots,
        @DefaultValue("./data/datasets") Path datasetsRoot,
        @DefaultValue("./data/trainer") Path workDir) {
}
