package dev.segplatform.web;

import org.apache.catalina.core.StandardHost;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.tomcat.servlet.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.boot.webmvc.autoconfigure.error.ErrorMvcAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;

/**
 * Every service with this module on its class path answers errors that no advice of its own sees as
 * problem details: Tomcat's refusals ({@link ContainerProblemValve}) and the servlet's error page
 * ({@link ProblemErrorController}, before Boot's own, which stands down when one exists).
 */
@AutoConfiguration(before = ErrorMvcAutoConfiguration.class)
@ConditionalOnClass(TomcatServletWebServerFactory.class)
@Import(ProblemErrorController.class)
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
