package dev.segplatform.web;

import org.apache.catalina.core.StandardHost;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.tomcat.servlet.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.context.annotation.Bean;

/**
 * Installs {@link ContainerProblemValve} in every service that has this module on its class path,
 * so none of them can forget it.
 */
@AutoConfiguration
@ConditionalOnClass(TomcatServletWebServerFactory.class)
public class ContainerProblemAutoConfiguration {

    @Bean
    WebServerFactoryCustomizer<TomcatServletWebServerFactory> containerProblemPages() {
        return factory -> factory.addContextCustomizers(context -> {
            if (context.getParent() instanceof StandardHost host) {
                host.setErrorReportValveClass(ContainerProblemValve.class.getName());
            }
        });
    }
}
