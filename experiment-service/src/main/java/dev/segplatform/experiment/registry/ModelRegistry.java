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

    /**
     * MLflow's stages in its order. Deprecated there in favour of aliases; kept as sent, and only
     * {@link #transitionStage} and the latest-per-stage reads look at them.
     */
    public static final List<String> STAGES = List.of("None", "Staging", "Production", "Archived");

    /**
     * A registered model with its aliases (alias to version), its tags, and its newest version in
     * each stage (one version while no stage was ever set).
     */
    public record RegisteredModel(long id, String name, String description, Instant createdAt, Instant updatedAt,
                                  Map<String, Integer> aliases, List<ModelVersion> latestVersions,
                                  Map<String, String> tags) {
    }

    /** One version: the run it came from, the client's source, its stage, tags and the aliases naming it. */
    public record ModelVersion(String name, int version, long runId, long experimentId, String source,
                               String description, Instant createdAt, Instant updatedAt, String stage,
                               List<String> aliases, Map<String, String> tags) {
    }

    @Transactional
    public RegisteredModel create(String name, String description, Map<String, String> tags) {
        checkName(name);
        checkTags(tags, "registered model");
        if (jdbc.sql("select count(*) from registered_model where name = :name").param("name", name)
                .query(Long.class).single() > 0) {
            throw new ConflictException("a registered model named '" + name + "' already exists");
        }
        Timestamp now = Timestamp.from(clock.instant());
        long id = jdbc.sql("""
                        insert into registered_model (name, description, created_at, updated_at)
                        values (:name, :description, :now, :now) returning id""")
                .param("name", name).param("description", description).param("now", now).query(Long.class).single();
        tags.forEach((key, value) -> putModelTag(id, key, value));
        return get(name);
    }

    /** Sets one tag of a registered model, replacing its value if the key is there. */
    @Transactional
    public void setModelTag(String name, String key, String value) {
        checkTags(Map.of(key, value), "registered model");
        RegisteredModel model = get(name);
        if (!model.tags().containsKey(key)) {
            limits.tagTotal(model.tags().size() + 1, "registered model");
        }
        putModelTag(model.id(), key, value);
    }

    /** Removes a tag; a key that is not there is no error, as in MLflow's registry. */
    @Transactional
    public void deleteModelTag(String name, String key) {
        jdbc.sql("delete from registered_model_tag where model_id = :id and key = :key")
                .param("id", get(name).id()).param("key", key).update();
    }

    @Transactional
    public void setVersionTag(String name, int version, String key, String value) {
        checkTags(Map.of(key, value), "model version");
        ModelVersion found = version(name, version);
        if (!found.tags().containsKey(key)) {
            limits.tagTotal(found.tags().size() + 1, "model version");
        }
        putVersionTag(get(name).id(), version, key, value);
    }

    @Transactional
    public void deleteVersionTag(String name, int version, String key) {
        version(name, version);
        jdbc.sql("""
                        delete from model_version_tag
                        where model_id = (select id from registered_model where name = :name)
                          and version = :version and key = :key""")
                .param("name", name).param("version", version).param("key", key).update();
    }

    /**
     * Moves a version to a stage (one of {@link #STAGES}, any case); with {@code archiveOthers}, the
     * versions in that stage before it go to Archived in the same transaction, as MLflow does.
     */
    @Transactional
    public ModelVersion transitionStage(String name, int version, String stage, boolean archiveOthers) {
        String canonical = canonicalStage(stage);
        if (archiveOthers && !canonical.equals("Staging") && !canonical.equals("Production")) {
            throw new InvalidInputException("archive_existing_versions", "only moving to Staging or Production may "
                    + "archive the versions there; the stage is " + canonical);
        }
        version(name, version);
        Timestamp now = Timestamp.from(clock.instant());
        long id = get(name).id();
        if (archiveOthers) {
            jdbc.sql("""
                            update model_version set stage = 'Archived', updated_at = :now
                            where model_id = :id and stage = :stage and version <> :version""")
                    .param("now", now).param("id", id).param("stage", canonical).param("version", version).update();
        }
        jdbc.sql("update model_version set stage = :stage, updated_at = :now where model_id = :id and version = :version")
                .param("stage", canonical).param("now", now).param("id", id).param("version", version).update();
        return version(name, version);
    }

    /** The newest version in each of {@code stages} (all stages if empty) that has one, in stage order. */
    @Transactional(readOnly = true)
    public List<ModelVersion> latestVersions(String name, List<String> stages) {
        long id = get(name).id();
        List<String> wanted = stages == null || stages.isEmpty() ? STAGES
                : stages.stream().map(ModelRegistry::canonicalStage).toList();
        return latestPerStage(id).stream().filter(v -> wanted.contains(v.stage())).toList();
    }

    /** A stage as MLflow spells it; any case is accepted, as MLflow's server accepts it. */
    public static String canonicalStage(String stage) {
        return STAGES.stream().filter(s -> s.equalsIgnoreCase(stage == null ? "" : stage.strip())).findFirst()
                .orElseThrow(() -> new InvalidInputException("stage", "'" + stage + "' is not a stage; one of "
                        + String.join(", ", STAGES)));
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
        Map<String, String> tags = new TreeMap<>();
        jdbc.sql("select key, value from registered_model_tag where model_id = :id").param("id", row.id())
                .query(rs -> {
                    tags.put(rs.getString("key"), rs.getString("value"));
                });
        return new RegisteredModel(row.id(), row.name(), row.description(), row.createdAt(), row.updatedAt(), aliases,
                latestPerStage(row.id()), tags);
    }

    private List<ModelVersion> latestPerStage(long modelId) {
        List<ModelVersion> latest = new ArrayList<>();
        for (String stage : STAGES) {
            versions("v.model_id = :id and v.stage = :stage", Map.of("id", modelId, "stage", stage), 1)
                    .stream().findFirst().ifPresent(latest::add);
        }
        return latest;
    }

    /**
     * Registered models whose name matches a LIKE pattern ('\' escapes; null: all) and that carry every
     * one of {@code tags} with its value, by name, one page of {@code size} from {@code offset}; one
     * more is read to tell whether another page follows.
     */
    @Transactional(readOnly = true)
    public List<RegisteredModel> search(String pattern, boolean ignoreCase, Map<String, String> tags, int offset,
                                        int size) {
        Map<String, Object> params = new LinkedHashMap<>();
        String tagged = tagConditions(tags, "registered_model_tag", "t.model_id = r.id", params);
        List<String> names = jdbc.sql("""
                        select r.name from registered_model r
                        where (cast(:pattern as text) is null
                           or (not :ignoreCase and r.name like :pattern escape '\\')
                           or (:ignoreCase and lower(r.name) like lower(:pattern) escape '\\'))%s
                        order by r.name offset :offset limit :limit""".formatted(tagged))
                .params(params)
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
    public ModelVersion createVersion(String name, long runId, String source, String description,
                                      Map<String, String> tags) {
        checkTags(tags, "model version");
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
        tags.forEach((key, value) -> putVersionTag(id, version, key, value));
        return version(name, version);
    }

    @Transactional(readOnly = true)
    public ModelVersion version(String name, int version) {
        return versions("m.name = :name and v.version = :version", Map.of("name", name, "version", version), 1)
                .stream().findFirst()
                .orElseThrow(() -> new NotFoundException("model version", "'" + name + "' version " + version));
    }

    /** Versions of one model, of one run, or all (both null), with every one of {@code tags}, newest first. */
    @Transactional(readOnly = true)
    public List<ModelVersion> searchVersions(String name, Long runId, Map<String, String> tags, int offset, int size) {
        List<String> where = new ArrayList<>();
        Map<String, Object> params = new LinkedHashMap<>();
        String tagged = tagConditions(tags, "model_version_tag", "t.model_id = v.model_id and t.version = v.version",
                params);
        if (!tagged.isEmpty()) {
            where.add(tagged.substring(" and ".length()));
        }
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
                               v.created_at, v.updated_at, v.stage
                        from model_version v join registered_model m on m.id = v.model_id join run r on r.id = v.run_id
                        where %s
                        order by m.name, v.version desc offset :offset limit :limit""".formatted(where))
                .params(all)
                .query((rs, n) -> new ModelVersion(rs.getString("name"), rs.getInt("version"), rs.getLong("run_id"),
                        rs.getLong("experiment_id"), rs.getString("source"), rs.getString("description"),
                        instant(rs, "created_at"), instant(rs, "updated_at"), rs.getString("stage"),
                        new ArrayList<>(), new TreeMap<>()))
                .list();
        for (ModelVersion version : found) {
            jdbc.sql("""
                            select t.key, t.value from model_version_tag t join registered_model m on m.id = t.model_id
                            where m.name = :name and t.version = :version""")
                    .param("name", version.name()).param("version", version.version())
                    .query(rs -> {
                        version.tags().put(rs.getString("key"), rs.getString("value"));
                    });
            version.aliases().addAll(jdbc.sql("""
                            select a.alias from model_alias a join registered_model m on m.id = a.model_id
                            where m.name = :name and a.version = :version order by a.alias""")
                    .param("name", version.name()).param("version", version.version()).query(String.class).list());
        }
        return found;
    }

    /** One {@code exists} per tag, keys and values bound; "" when there are none. */
    private static String tagConditions(Map<String, String> tags, String table, String join,
                                        Map<String, Object> params) {
        StringBuilder sql = new StringBuilder();
        int i = 0;
        for (Map.Entry<String, String> tag : tags.entrySet()) {
            sql.append(" and exists (select 1 from ").append(table).append(" t where ").append(join)
                    .append(" and t.key = :tagKey").append(i).append(" and t.value = :tagValue").append(i).append(")");
            params.put("tagKey" + i, tag.getKey());
            params.put("tagValue" + i, tag.getValue());
            i++;
        }
        return sql.toString();
    }

    private void putModelTag(long modelId, String key, String value) {
        jdbc.sql("""
                        insert into registered_model_tag (model_id, key, value) values (:id, :key, :value)
                        on conflict (model_id, key) do update set value = excluded.value""")
                .param("id", modelId).param("key", key).param("value", value).update();
    }

    private void putVersionTag(long modelId, int version, String key, String value) {
        jdbc.sql("""
                        insert into model_version_tag (model_id, version, key, value) values (:id, :version, :key, :value)
                        on conflict (model_id, version, key) do update set value = excluded.value""")
                .param("id", modelId).param("version", version).param("key", key).param("value", value).update();
    }

    /** Keys must say something; lengths and counts are the service's tag limits, as for runs. */
    private void checkTags(Map<String, String> tags, String entity) {
        tags.forEach((key, value) -> {
            if (key == null || key.isBlank()) {
                throw new InvalidInputException("tags", "a " + entity + " tag needs a key");
            }
            if (value == null) {
                throw new InvalidInputException("tags." + key, "needs a value");
            }
        });
        limits.tags(tags, entity);
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
