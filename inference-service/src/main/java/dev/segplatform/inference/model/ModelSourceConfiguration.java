package dev.segplatform.inference.model;

import dev.segplatform.experiment.client.ExperimentClient;
import dev.segplatform.inference.InferenceProperties;
import java.time.Duration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.scheduling.annotation.EnableScheduling;

/**
 * Picks the {@link ModelSource} from the settings: bundle file, else pinned run, else a registered
 * model URI, else best run.
 */
@Configuration(proxyBeanMethods = false)
@EnableScheduling
class ModelSourceConfiguration {

    @Bean
    ModelSource modelSource(InferenceProperties properties) {
        if (properties.bundlePath() != null) {
            return new BundleFileSource(properties.bundlePath());
        }
        ExperimentClient client = new ExperimentClient(properties.experimentUrl(), Duration.ofMinutes(2));
        RunBundles bundles = new RunBundles(client, properties.modelDir());
        if (properties.runId() != null) {
            return new PinnedRunSource(client, bundles, properties.runId());
        }
        if (properties.modelUri() != null) {
            return new RegisteredModelSource(client, bundles, properties.modelUri());
        }
        return new BestRunSource(client, bundles, properties.experimentId(), properties.metric(), properties.mode(),
                properties.maxCandidates());
    }
}
