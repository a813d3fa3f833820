package dev.segplatform.experiment.run;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.Optional;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Repository;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;

/**
 * Writes a new run with its params and tags as one statement (the params and tags travel as two
 * arrays each and are unnested by the database), joining the caller's transaction. Creating runs is
 * a hot path: through the ORM the same rows took a round trip per table, an entity and two
 * collections to track and flush, for rows that are never changed by this path again. The same
 * statement checks that the experiment is live, so a create does not spend a round trip asking.
 */
@Repository
class RunInserts {

    private static final String INSERT = """
            with new_run as (
                insert into run (experiment_id, name, spec, created_at)
                select e.id, ?, ?, ? from experiment e where e.id = ? and e.deleted_at is null
                returning id, created_at),
            params as (
                insert into run_param (run_id, key, value)
                select new_run.id, p.key, p.value from new_run, unnest(?::text[], ?::text[]) as p(key, value)),
            tags as (
                insert into run_tag (run_id, key, value)
                select new_run.id, t.key, t.value from new_run, unnest(?::text[], ?::text[]) as t(key, value))
            select id, created_at from new_run""";

    /** The new run's id and its creation time as stored (the database keeps microseconds). */
    record Inserted(long id, Instant createdAt) {
    }

    private final JdbcTemplate jdbc;

    RunInserts(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /** The run as written, or empty (and nothing written) if the experiment is missing or deleted. */
    @Transactional(propagation = Propagation.MANDATORY)
    Optional<Inserted> insert(long experimentId, String name, String spec, Map<String, String> params,
                              Map<String, String> tags, Instant createdAt) {
        return jdbc.execute((Connection connection) -> {
            try (PreparedStatement insert = connection.prepareStatement(INSERT)) {
                insert.setString(1, name);
                insert.setString(2, spec);
                insert.setObject(3, OffsetDateTime.ofInstant(createdAt, ZoneOffset.UTC));
                insert.setLong(4, experimentId);
                insert.setArray(5, keys(connection, params));
                insert.setArray(6, values(connection, params));
                insert.setArray(7, keys(connection, tags));
                insert.setArray(8, values(connection, tags));
                try (ResultSet rs = insert.executeQuery()) {
                    return rs.next()
                            ? Optional.of(new Inserted(rs.getLong("id"),
                                    rs.getObject("created_at", OffsetDateTime.class).toInstant()))
                            : Optional.empty();
                }
            }
        });
    }

    private static Array keys(Connection connection, Map<String, String> map) throws SQLException {
        return connection.createArrayOf("text", map.keySet().toArray());
    }

    private static Array values(Connection connection, Map<String, String> map) throws SQLException {
        // Same iteration order as keys(): the two arrays are unnested side by side.
        return connection.createArrayOf("text", map.values().toArray());
    }
}
