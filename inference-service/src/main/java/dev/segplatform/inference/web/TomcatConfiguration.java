package dev.segplatform.inference.web;

import dev.segplatform.inference.problem.ContainerProblemValve;
import org.apache.catalina.core.StandardHost;
import org.springframework.boot.tomcat.servlet.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

@Configuration(proxyBeanMethods = false)
class TomcatConfiguration {

    /** Errors Tomcat answers itself, before any servlet (bad URIs, oversized headers), leave as problem details. */
    @Bean
    WebServerFactoryCustomizer<TomcatServletWebServerFactory> containerProblemDetails() {
        return factory -> factory.addContextCustomizers(context -> {
            if (context.getParent() instanceof StandardHost host) {
                host.setErrorReportValveClass(ContainerProblemValve.class.getName());
            }
        });
    }
}
