package dev.segplatform.trainer;

import dev.segplatform.experiment.client.ExperimentClient;
import java.time.Duration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

@Configuration(proxyBeanMethods = false)
class ClientConfiguration {

    @Bean
    InternalToken internalToken(TrainerProperties properties) {
        return new InternalToken(properties.internalToken(), properties.internalTokenFile());
    }

    @Bean
    ExperimentClient experimentClient(TrainerProperties properties, InternalToken internalToken) {
        return new ExperimentClient(properties.experimentUrl(), Duration.ofSeconds(30), internalToken::get);
    }
}
