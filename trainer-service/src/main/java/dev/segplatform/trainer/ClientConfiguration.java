package dev.segplatform.trainer;

import dev.segplatform.experiment.client.ExperimentClient;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

@Configuration(proxyBeanMethods = false)
class ClientConfiguration {

    @Bean
    ExperimentClient experimentClient(TrainerProperties properties) {
        return new ExperimentClient(properties.experimentUrl());
    }
}
