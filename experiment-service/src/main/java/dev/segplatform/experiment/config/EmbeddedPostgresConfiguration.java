package dev.segplatform.experiment.config;

import com.zaxxer.hikari.HikariDataSource;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Condition;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.type.AnnotatedTypeMetadata;

/**
 * Starts a real PostgreSQL from Maven-shipped binaries when no {@code spring.datasource.url} is set,
 * so the service runs on a bare machine. Its data directory persists under {@code experiment.data-dir};
 * see {@link EmbeddedPostgresServer} for what it promises.
 */
@Configuration(proxyBeanMethods = false)
@Conditional(EmbeddedPostgresConfiguration.NoDatasourceUrl.class)
class EmbeddedPostgresConfiguration {

    @Bean(destroyMethod = "close")
    EmbeddedPostgresServer embeddedPostgres(ExperimentProperties properties) {
        return EmbeddedPostgresServer.start(properties.postgresDir(), properties.postgresPasswordFile(),
                properties.embeddedDbPort(), properties.embeddedDbCheckInterval());
    }

    /**
     * Bound to {@code spring.datasource.hikari.*} like the pool Spring Boot makes for an external
     * database, so both get the same short timeouts (application.yml).
     */
    @Bean(destroyMethod = "close")
    @ConfigurationProperties("spring.datasource.hikari")
    HikariDataSource dataSource(EmbeddedPostgresServer postgres) {
        HikariDataSource dataSource = new HikariDataSource();
        dataSource.setJdbcUrl(postgres.jdbcUrl() + "&reWriteBatchedInserts=true");
        dataSource.setUsername(EmbeddedPostgresServer.USER);
        dataSource.setPassword(postgres.password());
        dataSource.setMaximumPoolSize(20);
        dataSource.setPoolName("experiment-embedded");
        return dataSource;
    }

    static class NoDatasourceUrl implements Condition {
        @Override
        public boolean matches(ConditionContext context, AnnotatedTypeMetadata metadata) {
            return !context.getEnvironment().containsProperty("spring.datasource.url");
        }
    }
}
