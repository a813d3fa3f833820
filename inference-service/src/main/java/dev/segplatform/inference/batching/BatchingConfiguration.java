package dev.segplatform.inference.batching;

import dev.segplatform.inference.InferenceProperties;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

@Configuration(proxyBeanMethods = false)
class BatchingConfiguration {

    @Bean(destroyMethod = "close")
    DynamicBatcher dynamicBatcher(InferenceProperties properties, MeterRegistry meters) {
        return new DynamicBatcher(properties.maxBatchSize(), properties.maxBatchDelay(), properties.queueCapacity(),
                properties.instances(), properties.threadsPerInstance(), meters);
    }
}
