package dev.segplatform.experiment.mlflow;

import dev.segplatform.experiment.mlflow.MlflowRegistryMessages.Request;
import dev.segplatform.experiment.problem.ConflictException;
import dev.segplatform.experiment.registry.ModelRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * MLflow's model registry over the platform's {@link ModelRegistry}: names, string versions, tags,
 * MLflow's error codes. Stages (deprecated in MLflow for aliases) are stored as clients set them, but
 * what a server loads is named by an alias or a version, never by a stage.
 */
@Service
class MlflowRegistry {

    private static final int MAX_RESULTS = 1000;
    private static final Pattern RUNS_URI = Pattern.compile("^runs:/(\\d{1,18})(?:/(.*))?$");
    private static final Pattern NAME_FILTER = Pattern.compile(
            "^\\s*name\\s*(=|LIKE|ILIKE)\\s*'((?:[^']|'')*)'\\s*$", Pattern.CASE_INSENSITIVE);
    /** {@code tags.key = 'value'}, the key bare or in backticks, as MLflow's registry searches take it. */
    private static final Pattern TAG_FILTER = Pattern.compile(
            "^\\s*tags\\.(?:`([^`]+)`|([A-Za-z0-9_.\\-/]+))\\s*=\\s*'((?:[^']|'')*)'\\s*$", Pattern.CASE_INSENSITIVE);
    private static final Pattern VERSION_FILTER = Pattern.compile(
            "^\\s*(name|run_id)\\s*=\\s*'((?:[^']|'')*)'\\s*$", Pattern.CASE_INSENSITIVE);

    private final ModelRegistry registry;
    private final MlflowTracking tracking;

    MlflowRegistry(ModelRegistry registry, MlflowTracking tracking) {
        this.registry = registry;
        this.tracking = tracking;
    }

    @Transactional
    MlflowRegistryMessages.RegisteredModel create(Request request) {
        String name = required(request.name(), "name");
        try {
            return model(registry.create(name, request.description(), tags(request.tags())));
        } catch (ConflictException e) {
            throw new MlflowException(MlflowException.Code.RESOURCE_ALREADY_EXISTS,
                    "Registered Model (name=" + name + ") already exists.");
        }
    }

    @Transactional(readOnly = true)
    MlflowRegistryMessages.RegisteredModel get(String name) {
        return model(registry.get(required(name, "name")));
    }

    @Transactional(readOnly = true)
    MlflowRegistryMessages.SearchRegisteredModelsResponse search(String filter, Integer maxResults, String pageToken) {
        int size = size(maxResults);
        String pattern = null;
        boolean ignoreCase = false;
        Map<String, String> tags = new LinkedHashMap<>();
        for (String clause : clauses(filter)) {
            Matcher matcher = NAME_FILTER.matcher(clause);
            if (matcher.matches() && pattern == null) {
                String op = matcher.group(1).toUpperCase(Locale.ROOT);
                String value = matcher.group(2).replace("''", "'");
                pattern = op.equals("=") ? value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
                        : value;
                ignoreCase = op.equals("ILIKE");
            } else if (!tag(clause, tags)) {
                throw MlflowException.invalid("Unsupported filter '" + filter + "': name = '...', LIKE or ILIKE, and "
                        + "tags.<key> = '...', joined by AND");
            }
        }
        int offset = offset(pageToken);
        List<ModelRegistry.RegisteredModel> found = registry.search(pattern, ignoreCase, tags, offset, size + 1);
        String next = found.size() > size ? token(offset + size) : null;
        return new MlflowRegistryMessages.SearchRegisteredModelsResponse(
                found.stream().limit(size).map(MlflowRegistry::model).toList(), next);
    }

    @Transactional
    MlflowRegistryMessages.RegisteredModel rename(Request request) {
        String newName = required(request.newName(), "new_name");
        try {
            return model(registry.rename(required(request.name(), "name"), newName));
        } catch (ConflictException e) {
            throw new MlflowException(MlflowException.Code.RESOURCE_ALREADY_EXISTS,
                    "Registered Model (name=" + newName + ") already exists.");
        }
    }

    @Transactional
    MlflowRegistryMessages.RegisteredModel update(Request request) {
        return model(registry.describe(required(request.name(), "name"), request.description()));
    }

    @Transactional
    void delete(String name) {
        registry.delete(required(name, "name"));
    }

    @Transactional
    void setAlias(Request request) {
        registry.setAlias(required(request.name(), "name"), required(request.alias(), "alias"),
                version(request.version()));
    }

    @Transactional
    void deleteAlias(String name, String alias) {
        registry.deleteAlias(required(name, "name"), required(alias, "alias"));
    }

    @Transactional(readOnly = true)
    MlflowRegistryMessages.ModelVersion byAlias(String name, String alias) {
        return version(registry.byAlias(required(name, "name"), required(alias, "alias")));
    }

    /** The newest version in each stage asked for (every stage if none), in MLflow's stage order. */
    @Transactional(readOnly = true)
    List<MlflowRegistryMessages.ModelVersion> latestVersions(String name, List<String> stages) {
        return registry.latestVersions(required(name, "name"), stages).stream().map(MlflowRegistry::version).toList();
    }

    @Transactional
    void setModelTag(Request request) {
        registry.setModelTag(required(request.name(), "name"), required(request.key(), "key"),
                required(request.value(), "value"));
    }

    @Transactional
    void deleteModelTag(String name, String key) {
        registry.deleteModelTag(required(name, "name"), required(key, "key"));
    }

    @Transactional
    void setVersionTag(Request request) {
        registry.setVersionTag(required(request.name(), "name"), version(request.version()),
                required(request.key(), "key"), required(request.value(), "value"));
    }

    @Transactional
    void deleteVersionTag(String name, String version, String key) {
        registry.deleteVersionTag(required(name, "name"), version(version), required(key, "key"));
    }

    /** MLflow requires {@code archive_existing_versions}; a client that leaves it out archives nothing. */
    @Transactional
    MlflowRegistryMessages.ModelVersion transitionStage(Request request) {
        return version(registry.transitionStage(required(request.name(), "name"), version(request.version()),
                required(request.stage(), "stage"), Boolean.TRUE.equals(request.archiveExistingVersions())));
    }

    /**
     * A version from a run: {@code run_id}, or the run named by a {@code runs:/<id>/...} source. The
     * run must exist; the source is kept as sent.
     */
    @Transactional
    MlflowRegistryMessages.ModelVersion createVersion(Request request) {
        String name = required(request.name(), "name");
        String source = required(request.source(), "source");
        String runId = request.runId();
        Matcher runs = RUNS_URI.matcher(source);
        if ((runId == null || runId.isBlank()) && runs.matches()) {
            runId = runs.group(1);
        }
        if (runId == null || runId.isBlank()) {
            throw MlflowException.invalid("A model version must come from a run: send run_id, or a runs:/<run_id>/... "
                    + "source");
        }
        return version(registry.createVersion(name, tracking.runId(runId), source, request.description(),
                tags(request.tags())));
    }

    @Transactional(readOnly = true)
    MlflowRegistryMessages.ModelVersion getVersion(String name, String version) {
        return version(registry.version(required(name, "name"), version(version)));
    }

    @Transactional(readOnly = true)
    MlflowRegistryMessages.SearchModelVersionsResponse searchVersions(String filter, Integer maxResults,
                                                                        String pageToken) {
        int size = size(maxResults);
        String name = null;
        Long runId = null;
        Map<String, String> tags = new LinkedHashMap<>();
        for (String clause : clauses(filter)) {
            Matcher matcher = VERSION_FILTER.matcher(clause);
            if (matcher.matches()) {
                String value = matcher.group(2).replace("''", "'");
                if (matcher.group(1).equalsIgnoreCase("name")) {
                    name = value;
                } else {
                    runId = tracking.runId(value);
                }
            } else if (!tag(clause, tags)) {
                throw MlflowException.invalid("Unsupported filter '" + filter + "': name = '...', run_id = '...' and "
                        + "tags.<key> = '...', joined by AND");
            }
        }
        int offset = offset(pageToken);
        List<ModelRegistry.ModelVersion> found = registry.searchVersions(name, runId, tags, offset, size + 1);
        String next = found.size() > size ? token(offset + size) : null;
        return new MlflowRegistryMessages.SearchModelVersionsResponse(
                found.stream().limit(size).map(MlflowRegistry::version).toList(), next);
    }

    @Transactional
    MlflowRegistryMessages.ModelVersion updateVersion(Request request) {
        return version(registry.describeVersion(required(request.name(), "name"), version(request.version()),
                request.description()));
    }

    @Transactional
    void deleteVersion(String name, String version) {
        registry.deleteVersion(required(name, "name"), version(version));
    }

    /**
     * Where a version's files are for MLflow's clients: a {@code runs:/<run>/<path>} source becomes the
     * run's path on the artifact proxy; any other source is given back as registered.
     */
    @Transactional(readOnly = true)
    String downloadUri(String name, String version) {
        ModelRegistry.ModelVersion found = registry.version(required(name, "name"), version(version));
        Matcher runs = RUNS_URI.matcher(found.source());
        if (runs.matches()) {
            String path = runs.group(2) == null ? "" : "/" + runs.group(2).replaceAll("^/+", "");
            return MlflowViews.artifactUri(found.experimentId(), found.runId()) + path;
        }
        return found.source();
    }

    static MlflowRegistryMessages.RegisteredModel model(ModelRegistry.RegisteredModel model) {
        List<MlflowRegistryMessages.Alias> aliases = new ArrayList<>();
        for (Map.Entry<String, Integer> alias : model.aliases().entrySet()) {
            aliases.add(new MlflowRegistryMessages.Alias(alias.getKey(), Integer.toString(alias.getValue())));
        }
        return new MlflowRegistryMessages.RegisteredModel(model.name(), millis(model.createdAt()),
                millis(model.updatedAt()), model.description(),
                model.latestVersions().stream().map(MlflowRegistry::version).toList(), aliases, pairs(model.tags()));
    }

    static MlflowRegistryMessages.ModelVersion version(ModelRegistry.ModelVersion version) {
        return new MlflowRegistryMessages.ModelVersion(version.name(), Integer.toString(version.version()),
                millis(version.createdAt()), millis(version.updatedAt()), version.stage(), version.description(),
                version.source(), Long.toString(version.runId()), "READY", "", version.aliases(),
                pairs(version.tags()));
    }

    private static int version(String version) {
        String value = required(version, "version");
        try {
            int number = Integer.parseInt(value.strip());
            if (number < 1) {
                throw new NumberFormatException();
            }
            return number;
        } catch (NumberFormatException e) {
            throw MlflowException.invalid("Invalid version '" + value + "': versions are positive integers");
        }
    }

    /** A filter's clauses: AND joins them (a quoted value holding " and " is not supported). */
    private static List<String> clauses(String filter) {
        return filter == null || filter.isBlank() ? List.of() : List.of(filter.split("(?i)\\s+and\\s+"));
    }

    /** Reads a {@code tags.key = 'value'} clause into {@code tags}; false if the clause is not one. */
    private static boolean tag(String clause, Map<String, String> tags) {
        Matcher matcher = TAG_FILTER.matcher(clause);
        if (!matcher.matches()) {
            return false;
        }
        tags.put(matcher.group(1) != null ? matcher.group(1) : matcher.group(2), matcher.group(3).replace("''", "'"));
        return true;
    }

    /** A request's tag list as a map; a key sent twice keeps its last value, as MLflow's store does. */
    private static Map<String, String> tags(List<MlflowMessages.KeyValue> tags) {
        Map<String, String> map = new LinkedHashMap<>();
        if (tags == null) {
            return map;
        }
        for (int i = 0; i < tags.size(); i++) {
            MlflowMessages.KeyValue tag = tags.get(i);
            map.put(required(tag == null ? null : tag.key(), "tags[" + i + "].key"),
                    required(tag.value(), "tags[" + i + "].value"));
        }
        return map;
    }

    private static List<MlflowMessages.KeyValue> pairs(Map<String, String> map) {
        return new TreeMap<>(map).entrySet().stream()
                .map(e -> new MlflowMessages.KeyValue(e.getKey(), e.getValue())).toList();
    }

    private static int size(Integer maxResults) {
        int size = maxResults == null ? MAX_RESULTS : Math.min(maxResults, MAX_RESULTS);
        if (size < 1) {
            throw MlflowException.invalid("Invalid value " + maxResults + " for parameter 'max_results'");
        }
        return size;
    }

    private static String token(int offset) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(("offset:" + offset).getBytes(StandardCharsets.UTF_8));
    }

    private static int offset(String token) {
        if (token == null || token.isBlank()) {
            return 0;
        }
        try {
            String raw = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
            if (!raw.startsWith("offset:")) {
                throw new IllegalArgumentException();
            }
            return Integer.parseInt(raw.substring(7));
        } catch (IllegalArgumentException e) {
            throw MlflowException.invalid("Invalid page token");
        }
    }

    private static <T> T required(T value, String parameter) {
        if (value == null || (value instanceof String text && text.isBlank())) {
            throw MlflowException.missing(parameter);
        }
        return value;
    }

    private static Long millis(Instant instant) {
        return instant == null ? null : instant.toEpochMilli();
    }
}
