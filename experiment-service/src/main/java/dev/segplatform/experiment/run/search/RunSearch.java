package dev.segplatform.experiment.run.search;

import dev.segplatform.experiment.api.JobStatus;
import dev.segplatform.experiment.problem.InvalidInputException;
import dev.segplatform.experiment.run.RunResponse;
import dev.segplatform.experiment.run.RunViews;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;

/**
 * Run search: a parsed filter becomes SQL conditions with bind parameters, and pages are cut by
 * keyset (the last row's sort value and id), so deep pages cost the same as the first and runs
 * created meanwhile neither repeat nor vanish.
 */
@Component
public class RunSearch {

    private final JdbcClient jdbc;
    private final RunViews views;

    RunSearch(JdbcClient jdbc, RunViews views) {
        this.jdbc = jdbc;
        this.views = views;
    }

    /** Which runs by MLflow's lifecycle stage: live ones unless asked otherwise. */
    public enum View { ACTIVE_ONLY, DELETED_ONLY, ALL }

    /**
     * What to search; every field but maxResults is optional.
     *
     * @param experimentIds more experiments at once (MLflow's search names a list); joined with experimentId
     */
    public record Query(Long experimentId, List<Long> experimentIds, JobStatus status, String filter, String orderBy,
                        int maxResults, String pageToken, View view) {

        public Query(Long experimentId, JobStatus status, String filter, String orderBy, int maxResults,
                     String pageToken) {
            this(experimentId, List.of(), status, filter, orderBy, maxResults, pageToken, View.ACTIVE_ONLY);
        }
    }

    /** One page of runs; {@code nextPageToken} is null on the last page. */
    public record Page(List<RunResponse> runs, String nextPageToken) {
    }

    @Transactional(readOnly = true)
    public Page search(Query query) {
        Filter filter = FilterParser.parse(query.filter());
        Order order = Order.parse(query.orderBy());
        Map<String, Object> params = new HashMap<>();
        List<String> where = new ArrayList<>();
        List<Long> experimentIds = new ArrayList<>(query.experimentIds() == null ? List.of() : query.experimentIds());
        if (query.experimentId() != null) {
            experimentIds.add(query.experimentId());
        }
        if (!experimentIds.isEmpty()) {
            where.add("r.experiment_id in (:experimentIds)");
            params.put("experimentIds", experimentIds);
        } else {
            where.add("e.deleted_at is null");
        }
        switch (query.view() == null ? View.ACTIVE_ONLY : query.view()) {
            case ACTIVE_ONLY -> where.add("r.deleted_at is null");
            case DELETED_ONLY -> where.add("r.deleted_at is not null");
            case ALL -> { }
        }
        if (query.status() != null) {
            where.add("coalesce(j.status, r.status) = :status");
            params.put("status", query.status().name());
        }
        for (int i = 0; i < filter.clauses().size(); i++) {
            where.add(condition(filter.clauses().get(i), i, params));
        }
        params.putAll(order.params());
        String direction = order.ascending() ? "asc" : "desc";
        String after = order.ascending() ? ">" : "<";
        if (query.pageToken() != null && !query.pageToken().isBlank()) {
            PageToken token = PageToken.decode(query.pageToken(), order.canonical());
            params.put("afterId", token.id());
            if (token.sortNull()) {
                where.add("((" + order.expression() + ") is null and r.id " + after + " :afterId)");
            } else {
                params.put("afterValue", token.sortValue());
                String cast = "cast(:afterValue as " + order.sqlType() + ")";
                where.add("((" + order.expression() + ") is null or (" + order.expression() + ") " + after + " "
                        + cast + " or ((" + order.expression() + ") = " + cast + " and r.id " + after + " :afterId))");
            }
        }
        params.put("limit", query.maxResults() + 1);
        record Row(long id, boolean sortNull, String sortValue) {
        }
        List<Row> rows = jdbc.sql("select r.id, (" + order.expression() + ") is null as sort_null, cast(("
                        + order.expression() + ") as text) as sort_value"
                        + " from run r left join job j on j.run_id = r.id join experiment e on e.id = r.experiment_id"
                        + " where " + String.join(" and ", where)
                        + " order by (" + order.expression() + ") is null, (" + order.expression() + ") " + direction
                        + ", r.id " + direction + " limit :limit")
                .params(params)
                .query((rs, n) -> new Row(rs.getLong("id"), rs.getBoolean("sort_null"), rs.getString("sort_value")))
                .list();
        String next = null;
        if (rows.size() > query.maxResults()) {
            rows = rows.subList(0, query.maxResults());
            Row last = rows.get(rows.size() - 1);
            next = new PageToken(order.canonical(), last.sortNull(), last.sortValue(), last.id()).encode();
        }
        return new Page(views.load(rows.stream().map(Row::id).toList()), next);
    }

    /** One clause as SQL; identifiers come from fixed text or the attribute whitelist, values are bound. */
    private static String condition(Filter.Clause clause, int i, Map<String, Object> params) {
        String value = ":v" + i;
        String key = ":k" + i;
        Object bound;
        if (clause.value() instanceof Filter.Number number) {
            bound = number.value();
        } else if (clause.value() instanceof Filter.Text text) {
            bound = text.value();
        } else {
            bound = ((Filter.TextList) clause.value()).values();
        }
        params.put("v" + i, bound);
        params.put("k" + i, clause.key());
        String comparison = clause.op() == Filter.Op.IN || clause.op() == Filter.Op.NOT_IN
                ? clause.op().sql + " (" + value + ")" : clause.op().sql + " " + value;
        return switch (clause.entity()) {
            // NaN sorts above every number in PostgreSQL; a diverged run must not pass "> 0.8".
            case METRIC -> "exists (select 1 from latest_metric m" + i + " where m" + i + ".run_id = r.id and m" + i
                    + ".key = " + key + " and m" + i + ".value <> 'NaN' and m" + i + ".value " + comparison + ")";
            case PARAM -> "exists (select 1 from run_param p" + i + " where p" + i + ".run_id = r.id and p" + i
                    + ".key = " + key + " and p" + i + ".value " + comparison + ")";
            case TAG -> "exists (select 1 from run_tag t" + i + " where t" + i + ".run_id = r.id and t" + i
                    + ".key = " + key + " and t" + i + ".value " + comparison + ")";
            case ATTRIBUTE -> {
                RunAttribute attribute = RunAttribute.of(clause.key(), "filter");
                if (attribute.kind == RunAttribute.Kind.STATUS) {
                    // One status may stand for several (MLflow's KILLED), so every status test is a set test.
                    params.put("v" + i, RunAttribute.platformStatuses(bound instanceof List<?> list
                            ? list.stream().map(Object::toString).toList() : List.of(bound.toString())));
                    boolean positive = clause.op() == Filter.Op.EQ || clause.op() == Filter.Op.IN;
                    yield attribute.column + (positive ? " in (" : " not in (") + value + ")";
                }
                yield attribute.kind == RunAttribute.Kind.TIME
                        ? attribute.column + " " + clause.op().sql + " to_timestamp(" + value + " / 1000.0)"
                        : attribute.column + " " + comparison;
            }
        };
    }

    /** The sort: an SQL expression over {@code r} and {@code j}, its type for keyset casts, and direction. */
    record Order(String canonical, String expression, String sqlType, boolean ascending, Map<String, Object> params) {

        static Order parse(String orderBy) {
            if (orderBy == null || orderBy.isBlank()) {
                return attribute(RunAttribute.CREATED_TIME, false);
            }
            FilterParser.Identifier id = FilterParser.identifier(orderBy.strip(), "orderBy");
            String rest = orderBy.strip().substring(id.end()).strip().toLowerCase(Locale.ROOT);
            if (!rest.isEmpty() && !rest.equals("asc") && !rest.equals("desc")) {
                throw new InvalidInputException("orderBy", "expected ASC or DESC after the key, not '" + rest + "'");
            }
            boolean ascending = rest.equals("asc");
            String canonical = id.entity().name().toLowerCase(Locale.ROOT) + "." + id.key() + " " + (ascending ? "asc" : "desc");
            return switch (id.entity()) {
                case METRIC -> new Order(canonical,
                        "select m.value from latest_metric m where m.run_id = r.id and m.key = :orderKey",
                        "double precision", ascending, Map.of("orderKey", id.key()));
                case PARAM -> new Order(canonical,
                        "select p.value from run_param p where p.run_id = r.id and p.key = :orderKey",
                        "text", ascending, Map.of("orderKey", id.key()));
                case TAG -> new Order(canonical,
                        "select t.value from run_tag t where t.run_id = r.id and t.key = :orderKey",
                        "text", ascending, Map.of("orderKey", id.key()));
                case ATTRIBUTE -> attribute(RunAttribute.of(id.key(), "orderBy"), ascending);
            };
        }

        private static Order attribute(RunAttribute attribute, boolean ascending) {
            return new Order("attribute." + attribute.name() + " " + (ascending ? "asc" : "desc"),
                    attribute.column, attribute.sqlType, ascending, Map.of());
        }
    }

    /** The keyset position after the last row of a page, opaque to clients. */
    record PageToken(String order, boolean sortNull, String sortValue, long id) {

        String encode() {
            String raw = order + "\n" + (sortNull ? "1" : "0") + "\n" + id + "\n" + (sortValue == null ? "" : sortValue);
            return Base64.getUrlEncoder().withoutPadding().encodeToString(raw.getBytes(StandardCharsets.UTF_8));
        }

        static PageToken decode(String token, String expectedOrder) {
            try {
                String[] parts = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8).split("\n", 4);
                if (parts.length != 4) {
                    throw new IllegalArgumentException("wrong number of parts");
                }
                if (!parts[0].equals(expectedOrder)) {
                    throw new InvalidInputException("pageToken", "the token belongs to another orderBy");
                }
                return new PageToken(parts[0], parts[1].equals("1"), parts[3], Long.parseLong(parts[2]));
            } catch (IllegalArgumentException e) {
                throw new InvalidInputException("pageToken", "not a token this service issued");
            }
        }
    }
}
