package dev.segplatform.experiment.config;

import org.springframework.beans.factory.config.BeanFactoryPostProcessor;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** How pooled database connections are checked, for the embedded and for an external server alike. */
@Configuration(proxyBeanMethods = false)
class ConnectionCheckConfiguration {

    private static final String ALIVE_BYPASS_WINDOW = "com.zaxxer.hikari.aliveBypassWindowMs";

    /**
     * Hikari hands out a connection used within the last 500 ms without checking it, and a request on
     * a connection to a server that froze meanwhile hangs until the server comes back. Checking every
     * connection before use costs one round trip on an open connection and lets every request made
     * while the database is unreachable end in a quick 503. Hikari reads this only as a system
     * property, when a pool starts; pools start on first use, after bean factory post-processing.
     */
    @Bean
    static BeanFactoryPostProcessor checkEveryPooledConnectionBeforeUse() {
        return beanFactory -> System.setProperty(ALIVE_BYPASS_WINDOW, System.getProperty(ALIVE_BYPASS_WINDOW, "0"));
    }
}
