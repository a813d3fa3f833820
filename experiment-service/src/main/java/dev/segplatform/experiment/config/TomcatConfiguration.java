package dev.segplatform.experiment.config;

import org.apache.tomcat.util.buf.EncodedSolidusHandling;
import org.springframework.boot.tomcat.servlet.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

@Configuration(proxyBeanMethods = false)
class TomcatConfiguration {

    /**
     * Lets an encoded slash (%2F) through to the controllers undecoded, where Spring decodes it within
     * its path segment: a metric key {@code train/loss} sent as {@code train%2Floss} is then one key, and
     * an artifact path with {@code ..%2F} reaches {@code ArtifactPath}, which refuses traversal with a
     * problem detail naming the field. Tomcat's default refuses every %2F with a bare 400.
     */
    @Bean
    WebServerFactoryCustomizer<TomcatServletWebServerFactory> encodedSlashes() {
        return factory -> factory.addConnectorCustomizers(connector ->
                connector.setEncodedSolidusHandling(EncodedSolidusHandling.PASS_THROUGH.getValue()));
    }
}
