package dev.segplatform.experiment.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.segplatform.experiment.ExperimentServiceApplication;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringApplication;
import org.springframework.context.ConfigurableApplicationContext;

/** The embedded server asks for its password and writes durably, on new and on older data folders. */
class EmbeddedPostgresSecurityTest {

    @Test
    void aNewClusterIsPasswordProtectedAndDurable() throws Exception {
        Path dataDir = dataDir("secure-");
        try (ConfigurableApplicationContext service = start(dataDir)) {
            int port = service.getBean(EmbeddedPostgresServer.class).port();
            Path passwordFile = dataDir.resolve("postgres.password");
            assertThat(Files.getPosixFilePermissions(passwordFile)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
            String password = Files.readString(passwordFile).strip();
            assertThat(password).hasSizeGreaterThanOrEqualTo(24);

            assertRefusedWithout(password, port);
            try (Connection connection = connect(port, password); Statement statement = connection.createStatement()) {
                assertThat(show(statement, "fsync")).isEqualTo("on");
                assertThat(show(statement, "synchronous_commit")).isEqualTo("on");
                assertThat(show(statement, "full_page_writes")).isEqualTo("on");
                assertThat(show(statement, "password_encryption")).isEqualTo("scram-sha-256");
            }
            assertThat(Files.readAllLines(dataDir.resolve("postgres").resolve("pg_hba.conf")))
                    .noneMatch(line -> !line.startsWith("#") && line.contains("trust"));
        }
    }

    @Test
    void aClusterCreatedWithoutAPasswordGetsOneAndKeepsItsData() throws Exception {
        Path dataDir = dataDir("legacy-");
        // A folder as the service made it before: zonky's own initdb (trust, no password).
        try (EmbeddedPostgres legacy = EmbeddedPostgres.builder().setDataDirectory(dataDir.resolve("postgres"))
                .setCleanDataDirectory(false).start();
             Connection connection = legacy.getPostgresDatabase().getConnection();
             Statement statement = connection.createStatement()) {
            // Its own schema: the service's migrations want "public" to themselves.
            statement.execute("create schema legacy");
            statement.execute("create table legacy.marker (note text)");
            statement.execute("insert into legacy.marker values ('kept')");
        }
        assertThat(dataDir.resolve("postgres.password")).doesNotExist();

        for (int start = 1; start <= 2; start++) { // migrated once, then started as any protected cluster
            try (ConfigurableApplicationContext service = start(dataDir)) {
                int port = service.getBean(EmbeddedPostgresServer.class).port();
                String password = Files.readString(dataDir.resolve("postgres.password")).strip();
                assertRefusedWithout(password, port);
                try (Connection connection = connect(port, password);
                     Statement statement = connection.createStatement();
                     ResultSet rs = statement.executeQuery("select note from legacy.marker")) {
                    assertThat(rs.next()).isTrue();
                    assertThat(rs.getString(1)).isEqualTo("kept");
                    assertThat(show(statement, "fsync")).isEqualTo("on");
                }
            }
        }
    }

    private static void assertRefusedWithout(String password, int port) {
        assertThatThrownBy(() -> connect(port, null).close()).isInstanceOf(SQLException.class);
        assertThatThrownBy(() -> connect(port, password + "x").close()).isInstanceOf(SQLException.class)
                .hasMessageContaining("password authentication failed");
    }

    private static Connection connect(int port, String password) throws SQLException {
        Properties properties = new Properties();
        properties.setProperty("user", "postgres");
        if (password != null) {
            properties.setProperty("password", password);
        }
        return DriverManager.getConnection("jdbc:postgresql://localhost:" + port + "/postgres", properties);
    }

    private static String show(Statement statement, String setting) throws SQLException {
        try (ResultSet rs = statement.executeQuery("show " + setting)) {
            rs.next();
            return rs.getString(1);
        }
    }

    private static ConfigurableApplicationContext start(Path dataDir) {
        return SpringApplication.run(ExperimentServiceApplication.class, "--server.port=0",
                "--experiment.data-dir=" + dataDir, "--spring.main.banner-mode=off");
    }

    private static Path dataDir(String prefix) throws Exception {
        return Files.createTempDirectory(Files.createDirectories(Path.of("target", "test-data")), prefix).toRealPath();
    }
}
