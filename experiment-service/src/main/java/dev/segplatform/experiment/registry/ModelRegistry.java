package dev.segplatform.experiment.registry;

import dev.segplatform.experiment.limit.InputLimits;
import dev.segplatform.experiment.problem.ConflictException;
import dev.segplatform.experiment.problem.InvalidInputException;
import dev.segplatform.experiment.problem.NotFoundException;
import dev.segplatform.experiment.run.RunViews;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The model registry: registered models, their numbered versions (each pointing at a run), and
 * aliases. Version numbers are handed out under the model's row lock, so concurrent registrations
 * never share one; an alias moves in one upsert, so a reader sees the old version or the new one.
 */
@Service
public class ModelRegistry {

    /** Alias names as MLflow allows them; {@code latest} and {@code v<n>} are reserved there too. */
    private static final Pattern ALIAS = Pattern.compile("^[A-Za-z0-9_\\-]{1,255}$");
    private static final Pattern RESERVED_ALIAS = Pattern.compile("^(latest|v\\d+)$", Pattern.CASE_INSENSITIVE);

    private final JdbcClient jdbc;
    private final RunViews runs;
    private final InputLimits limits;
    private final Clock clock;

    ModelRegistry(JdbcClient jdbc, RunViews runs, InputLimits limits, Clock clock) {
        this.jdbc = jdbc;
        this.runs = runs;
        this.limits = limits;
        this.clock = clock;
    }

    /** A registered model with its aliases (alias to version) and newest version. */
    public record RegisteredModel(long id, String name, String description, Instant createdAt, Instant updatedAt,
                                  Map<String, Integer> aliases, ModelVersion latestVersion) {
    }

    /** One version: the run it came from, the client's source, and the aliases naming it. */
    public record ModelVersion(String name, int version, long runId, long experimentId, String source,
                               String description, Instant createdAt, Instant updatedAt, List<String> aliases) {
    }

    @Transactional
    public RegisteredModel create(String name, String description) {
        checkName(name);
        if (jdbc.sql("select count(*) from registered_model where name = :name").param("name", name)
                .query(Long.class).single() > 0) {
            throw new ConflictException("a registered model named '" + name + "' already exists");
        }
        Timestamp now = Timestamp.from(clock.instant());
        jdbc.sql("""
                        insert into registered_model (name, description, created_at, updated_at)
                        values (:name, :description, :now, :now)""")
                .param("name", name).param("description", description).param("now", now).update();
        return get(name);
    }

    @Transactional(readOnly = true)
    public RegisteredModel get(String name) {
        record Row(long id, String name, String description, Instant createdAt, Instant updatedAt) {
        }
        Row row = jdbc.sql("select id, name, description, created_at, updated_at from registered_model where name = :name")
                .param("name", name)
                .query((rs, n) -> new Row(rs.getLong("id"), rs.getString("name"), rs.getString("description"),
                        instant(rs, "created_at"), instant(rs, "updated_at")))
                .optional()
                .orElseThrow(() -> new NotFoundException("registered model", "'" + name + "'"));
        Map<String, Integer> aliases = new TreeMap<>();
        jdbc.sql("select alias, version from model_alias where model_id = :id").param("id", row.id())
                .query(rs -> {
                    aliases.put(rs.getString("alias"), rs.getInt("version"));
                });
        Optional<ModelVersion> latest = versions("v.model_id = :id", Map.of("id", row.id()), 1).stream().findFirst();
        return new RegisteredModel(row.id(), row.name(), row.description(), row.createdAt(), row.updatedAt(), aliases,
                latest.orElse(null));
    }

    /**
     * Registered models whose name matches a LIKE pattern ('\' escapes; null: all), by name, one page
     * of {@code size} from {@code offset}; one more is read to tell whether another page follows.
     */
    @Transactional(readOnly = true)
    public List<RegisteredModel> search(String pattern, boolean ignoreCase, int offset, int size) {
        List<String> names = jdbc.sql("""
                        select name from registered_model
                        where cast(:pattern as text) is null
                           or (not :ignoreCase and name like :pattern escape '\\')
                           or (:ignoreCase and lower(name) like lower(:pattern) escape '\\')
                        order by name offset :offset limit :limit""")
                .param("pattern", pattern, java.sql.Types.VARCHAR).param("ignoreCase", ignoreCase)
                .param("offset", offset).param("limit", size)
                .query(String.class).list();
        return names.stream().map(this::get).toList();
    }

    @Transactional
    public RegisteredModel rename(String name, String newName) {
        checkName(newName);
        long id = get(name).id();
        if (!name.equals(newName) && jdbc.sql("select count(*) from registered_model where name = :name")
                .param("name", newName).query(Long.class).single() > 0) {
            throw new ConflictException("a registered model named '" + newName + "' already exists");
        }
        jdbc.sql("update registered_model set name = :newName, updated_at = :now where id = :id")
                .param("newName", newName).param("now", Timestamp.from(clock.instant())).param("id", id).update();
        return get(newName);
    }

    @Transactional
    public RegisteredModel describe(String name, String description) {
        long id = get(name).id();
        jdbc.sql("update registered_model set description = :description, updated_at = :now where id = :id")
                .param("description", description).param("now", Timestamp.from(clock.instant())).param("id", id)
                .update();
        return get(name);
    }

    /** Deletes the model with its versions and aliases; the runs and their artifacts stay. */
    @Transactional
    public void delete(String name) {
        jdbc.sql("delete from registered_model where id = :id").param("id", get(name).id()).update();
    }

    /** Registers the next version of {@code name} from a run. */
    @Transactional
    public ModelVersion createVersion(String name, long runId, String source, String description) {
        Long id = jdbc.sql("select id from registered_model where name = :name for update").param("name", name)
                .query(Long.class).optional()
                .orElseThrow(() -> new NotFoundException("registered model", "'" + name + "'"));
        runs.get(runId);
        if (source == null || source.isBlank() || source.length() > 1024) {
            throw new InvalidInputException("source", "must name where the model is, at most 1024 characters");
        }
        int version = jdbc.sql("select coalesce(max(version), 0) + 1 from model_version where model_id = :id")
                .param("id", id).query(Integer.class).single();
        Timestamp now = Timestamp.from(clock.instant());
        jdbc.sql("""
                        insert into model_version (model_id, version, run_id, source, description, created_at, updated_at)
                        values (:id, :version, :runId, :source, :description, :now, :now)""")
                .param("id", id).param("version", version).param("runId", runId).param("source", source)
                .param("description", description).param("now", now).update();
        jdbc.sql("update registered_model set updated_at = :now where id = :id").param("now", now).param("id", id)
                .update();
        return version(name, version);
    }

    @Transactional(readOnly = true)
    public ModelVersion version(String name, int version) {
        return versions("m.name = :name and v.version = :version", Map.of("name", name, "version", version), 1)
                .stream().findFirst()
                .orElseThrow(() -> new NotFoundException("model version", "'" + name + "' version " + version));
    }

    /** Versions of one model, of one run, or all (both null), newest first. */
    @Transactional(readOnly = true)
    public List<ModelVersion> searchVersions(String name, Long runId, int offset, int size) {
        List<String> where = new ArrayList<>();
        Map<String, Object> params = new LinkedHashMap<>();
        if (name != null) {
            where.add("m.name = :name");
            params.put("name", name);
        }
        if (runId != null) {
            where.add("v.run_id = :runId");
            params.put("runId", runId);
        }
        params.put("offset", offset);
        return versions(where.isEmpty() ? "true" : String.join(" and ", where), params, size);
    }

    @Transactional
    public ModelVersion describeVersion(String name, int version, String description) {
        ModelVersion current = version(name, version);
        jdbc.sql("""
                        update model_version set description = :description, updated_at = :now
                        where model_id = (select id from registered_model where name = :name) and version = :version""")
                .param("description", description).param("now", Timestamp.from(clock.instant()))
                .param("name", name).param("version", current.version()).update();
        return version(name, version);
    }

    /** Deletes a version and the aliases naming it. */
    @Transactional
    public void deleteVersion(String name, int version) {
        version(name, version);
        jdbc.sql("""
                        delete from model_version
                        where model_id = (select id from registered_model where name = :name) and version = :version""")
                .param("name", name).param("version", version).update();
    }

    /** Points {@code alias} at {@code version}, moving it if it named another one: one statement. */
    @Transactional
    public void setAlias(String name, String alias, int version) {
        checkAlias(alias);
        version(name, version);
        long id = get(name).id();
        jdbc.sql("""
                        insert into model_alias (model_id, alias, version) values (:id, :alias, :version)
                        on conflict (model_id, alias) do update set version = excluded.version""")
                .param("id", id).param("alias", alias).param("version", version).update();
    }

    @Transactional
    public void deleteAlias(String name, String alias) {
        long id = get(name).id();
        if (jdbc.sql("delete from model_alias where model_id = :id and alias = :alias").param("id", id)
                .param("alias", alias).update() == 0) {
            throw new NotFoundException("alias", "'" + alias + "' of registered model '" + name + "'");
        }
    }

    @Transactional(readOnly = true)
    public ModelVersion byAlias(String name, String alias) {
        Integer version = jdbc.sql("""
                        select a.version from model_alias a join registered_model m on m.id = a.model_id
                        where m.name = :name and a.alias = :alias""")
                .param("name", name).param("alias", alias).query(Integer.class).optional()
                .orElseThrow(() -> new NotFoundException("alias", "'" + alias + "' of registered model '" + name + "'"));
        return version(name, version);
    }

    private List<ModelVersion> versions(String where, Map<String, Object> params, int limit) {
        Map<String, Object> all = new LinkedHashMap<>(params);
        all.putIfAbsent("offset", 0);
        all.put("limit", limit);
        List<ModelVersion> found = jdbc.sql("""
                        select m.id as model_id, m.name, v.version, v.run_id, r.experiment_id, v.source, v.description,
                               v.created_at, v.updated_at
                        from model_version v join registered_model m on m.id = v.model_id join run r on r.id = v.run_id
                        where %s
                        order by m.name, v.version desc offset :offset limit :limit""".formatted(where))
                .params(all)
                .query((rs, n) -> new ModelVersion(rs.getString("name"), rs.getInt("version"), rs.getLong("run_id"),
                        rs.getLong("experiment_id"), rs.getString("source"), rs.getString("description"),
                        instant(rs, "created_at"), instant(rs, "updated_at"), new ArrayList<>()))
                .list();
        for (ModelVersion version : found) {
            version.aliases().addAll(jdbc.sql("""
                            select a.alias from model_alias a join registered_model m on m.id = a.model_id
                            where m.name = :name and a.version = :version order by a.alias""")
                    .param("name", version.name()).param("version", version.version()).query(String.class).list());
        }
        return found;
    }

    private void checkName(String name) {
        if (name == null || name.isBlank() || name.chars().anyMatch(c -> c < 0x20)) {
            throw new InvalidInputException("name", "must not be blank or hold control characters");
        }
        limits.name("name", name);
    }

    private static void checkAlias(String alias) {
        if (alias == null || !ALIAS.matcher(alias).matches() || RESERVED_ALIAS.matcher(alias).matches()) {
            throw new InvalidInputException("alias", "must be 1-255 letters, digits, '_' or '-', and not 'latest' "
                    + "or 'v<number>' (those name versions)");
        }
    }

    private static Instant instant(ResultSet rs, String column) throws SQLException {
        Timestamp timestamp = rs.getTimestamp(column);
        return timestamp == null ? null : timestamp.toInstant();
    }
}
