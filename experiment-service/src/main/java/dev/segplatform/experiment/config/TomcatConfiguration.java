package dev.segplatform.experiment.config;

import dev.segplatform.experiment.problem.ContainerProblemValve;
import org.apache.catalina.core.StandardHost;
import org.apache.tomcat.util.buf.EncodedSolidusHandling;
import org.springframework.boot.tomcat.servlet.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

@Configuration(proxyBeanMethods = false)
class TomcatConfiguration {

    /** Errors Tomcat raises before the dispatcher (bad URIs) leave as problem details, not HTML. */
    @Bean
    WebServerFactoryCustomizer<TomcatServletWebServerFactory> problemErrorPages() {
        return factory -> factory.addContextCustomizers(context -> {
            if (context.getParent() instanceof StandardHost host) {
                host.setErrorReportValveClass(ContainerProblemValve.class.getName());
            }
        });
    }

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
