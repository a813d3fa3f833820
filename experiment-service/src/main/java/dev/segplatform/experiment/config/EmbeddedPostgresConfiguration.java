package dev.segplatform.experiment.config;

import com.zaxxer.hikari.HikariDataSource;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Condition;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.type.AnnotatedTypeMetadata;

/**
 * Starts a real PostgreSQL from Maven-shipped binaries when no {@code spring.datasource.url} is set,
 * so the service runs on a bare machine. Its data directory persists under {@code experiment.data-dir}.
 */
@Configuration(proxyBeanMethods = false)
@Conditional(EmbeddedPostgresConfiguration.NoDatasourceUrl.class)
class EmbeddedPostgresConfiguration {

    private static final Logger log = LoggerFactory.getLogger(EmbeddedPostgresConfiguration.class);

    @Bean(destroyMethod = "close")
    EmbeddedPostgres embeddedPostgres(ExperimentProperties properties) {
        try {
            Files.createDirectories(properties.postgresDir());
            EmbeddedPostgres postgres = EmbeddedPostgres.builder()
                    .setDataDirectory(properties.postgresDir())
                    // Keep the data: a restart must find every run again.
                    .setCleanDataDirectory(false)
                    .setPort(properties.embeddedDbPort())
                    .start();
            log.info("Embedded PostgreSQL on port {} with data in {}", postgres.getPort(),
                    properties.postgresDir().toAbsolutePath());
            return postgres;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot start embedded PostgreSQL in " + properties.postgresDir(), e);
        }
    }

    @Bean(destroyMethod = "close")
    DataSource dataSource(EmbeddedPostgres postgres) {
        HikariDataSource dataSource = new HikariDataSource();
        dataSource.setJdbcUrl(postgres.getJdbcUrl("postgres", "postgres") + "&reWriteBatchedInserts=true");
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
