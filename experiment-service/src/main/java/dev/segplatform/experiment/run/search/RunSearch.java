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
import java.util.stream.Collectors;
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
     * @param orderBy sort keys, most significant first (MLflow's order_by list); empty: newest first
     */
    public record Query(Long experimentId, List<Long> experimentIds, JobStatus status, String filter,
                        List<String> orderBy, int maxResults, String pageToken, View view) {

        public Query(Long experimentId, JobStatus status, String filter, String orderBy, int maxResults,
                     String pageToken) {
            this(experimentId, List.of(), status, filter, orderBy == null || orderBy.isBlank() ? List.of()
                    : List.of(orderBy), maxResults, pageToken, View.ACTIVE_ONLY);
        }
    }

    /** More sort keys than this is a mistake, not a query: each one is a subquery per run. */
    public static final int MAX_ORDER_KEYS = 10;

    /** One page of runs; {@code nextPageToken} is null on the last page. */
    public record Page(List<RunResponse> runs, String nextPageToken) {
    }

    @Transactional(readOnly = true)
    public Page search(Query query) {
        Filter filter = FilterParser.parse(query.filter());
        List<Order> orders = Order.parseAll(query.orderBy());
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
        orders.forEach(order -> params.putAll(order.params()));
        String canonical = orders.stream().map(Order::canonical).collect(Collectors.joining(", "));
        // Ties on every key go by id, in the first key's direction (one key: as that key sorts).
        boolean idAscending = orders.get(0).ascending();
        if (query.pageToken() != null && !query.pageToken().isBlank()) {
            PageToken token = PageToken.decode(query.pageToken(), canonical, orders.size());
            where.add(after(orders, token, idAscending, params));
        }
        params.put("limit", query.maxResults() + 1);
        List<String> columns = new ArrayList<>(List.of("r.id"));
        List<String> sort = new ArrayList<>();
        for (int i = 0; i < orders.size(); i++) {
            Order order = orders.get(i);
            columns.add("(" + order.expression() + ") is null as sort_null" + i);
            columns.add("cast((" + order.expression() + ") as text) as sort_value" + i);
            sort.add("(" + order.expression() + ") is null");
            sort.add("(" + order.expression() + ") " + (order.ascending() ? "asc" : "desc"));
        }
        sort.add("r.id " + (idAscending ? "asc" : "desc"));
        record Row(long id, List<PageToken.Key> keys) {
        }
        List<Row> rows = jdbc.sql("select " + String.join(", ", columns)
                        + " from run r left join job j on j.run_id = r.id join experiment e on e.id = r.experiment_id"
                        + " where " + String.join(" and ", where)
                        + " order by " + String.join(", ", sort) + " limit :limit")
                .params(params)
                .query((rs, n) -> {
                    List<PageToken.Key> keys = new ArrayList<>();
                    for (int i = 0; i < orders.size(); i++) {
                        keys.add(new PageToken.Key(rs.getBoolean("sort_null" + i), rs.getString("sort_value" + i)));
                    }
                    return new Row(rs.getLong("id"), keys);
                })
                .list();
        String next = null;
        if (rows.size() > query.maxResults()) {
            rows = rows.subList(0, query.maxResults());
            Row last = rows.get(rows.size() - 1);
            next = new PageToken(canonical, last.keys(), last.id()).encode();
        }
        return new Page(views.load(rows.stream().map(Row::id).toList()), next);
    }

    /**
     * The rows after the token's row in the sort: greater on the first key, or equal on it and greater
     * on the second, and so on, with the id last. Nulls sort last under either direction, so after a
     * null only nulls follow, and after a value every null does.
     */
    private static String after(List<Order> orders, PageToken token, boolean idAscending, Map<String, Object> params) {
        params.put("afterId", token.id());
        List<String> alternatives = new ArrayList<>();
        List<String> equalSoFar = new ArrayList<>();
        for (int i = 0; i < orders.size(); i++) {
            Order order = orders.get(i);
            PageToken.Key key = token.keys().get(i);
            String expression = "(" + order.expression() + ")";
            String greater;
            String equal;
            if (key.sortNull()) {
                greater = "false";
                equal = expression + " is null";
            } else {
                params.put("afterValue" + i, key.sortValue());
                String cast = "cast(:afterValue" + i + " as " + order.sqlType() + ")";
                greater = "(" + expression + " is null or " + expression + (order.ascending() ? " > " : " < ") + cast
                        + ")";
                equal = expression + " = " + cast;
            }
            alternatives.add(and(equalSoFar, greater));
            equalSoFar.add(equal);
        }
        alternatives.add(and(equalSoFar, "r.id " + (idAscending ? ">" : "<") + " :afterId"));
        return "(" + String.join(" or ", alternatives) + ")";
    }

    private static String and(List<String> conditions, String last) {
        List<String> all = new ArrayList<>(conditions);
        all.add(last);
        return "(" + String.join(" and ", all) + ")";
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

        static List<Order> parseAll(List<String> orderBy) {
            List<String> keys = orderBy == null ? List.of()
                    : orderBy.stream().filter(key -> key != null && !key.isBlank()).toList();
            if (keys.isEmpty()) {
                return List.of(attribute(RunAttribute.CREATED_TIME, false));
            }
            if (keys.size() > MAX_ORDER_KEYS) {
                throw new InvalidInputException("orderBy", "at most " + MAX_ORDER_KEYS + " keys, got " + keys.size());
            }
            List<Order> orders = new ArrayList<>();
            for (int i = 0; i < keys.size(); i++) {
                orders.add(parse(keys.get(i), i));
            }
            return orders;
        }

        /** One key; {@code index} names its bind parameter, so several keys do not share one. */
        static Order parse(String orderBy, int index) {
            FilterParser.Identifier id = FilterParser.identifier(orderBy.strip(), "orderBy");
            String rest = orderBy.strip().substring(id.end()).strip().toLowerCase(Locale.ROOT);
            if (!rest.isEmpty() && !rest.equals("asc") && !rest.equals("desc")) {
                throw new InvalidInputException("orderBy", "expected ASC or DESC after the key, not '" + rest + "'");
            }
            boolean ascending = rest.equals("asc");
            String canonical = id.entity().name().toLowerCase(Locale.ROOT) + "." + id.key() + " " + (ascending ? "asc" : "desc");
            return switch (id.entity()) {
                case METRIC -> new Order(canonical,
                        "select m.value from latest_metric m where m.run_id = r.id and m.key = :orderKey" + index + "",
                        "double precision", ascending, Map.of("orderKey" + index, id.key()));
                case PARAM -> new Order(canonical,
                        "select p.value from run_param p where p.run_id = r.id and p.key = :orderKey" + index + "",
                        "text", ascending, Map.of("orderKey" + index, id.key()));
                case TAG -> new Order(canonical,
                        "select t.value from run_tag t where t.run_id = r.id and t.key = :orderKey" + index + "",
                        "text", ascending, Map.of("orderKey" + index, id.key()));
                case ATTRIBUTE -> attribute(RunAttribute.of(id.key(), "orderBy"), ascending);
            };
        }

        private static Order attribute(RunAttribute attribute, boolean ascending) {
            return new Order("attribute." + attribute.name() + " " + (ascending ? "asc" : "desc"),
                    attribute.column, attribute.sqlType, ascending, Map.of());
        }
    }

    /**
     * The keyset position after the last row of a page, opaque to clients: the ordering it was cut
     * by, the row's id and its value under each key. Every text part is itself base64, so keys and
     * values may hold any character.
     */
    record PageToken(String order, List<Key> keys, long id) {

        record Key(boolean sortNull, String sortValue) {
        }

        String encode() {
            List<String> parts = new ArrayList<>(List.of(text(order), Long.toString(id)));
            keys.forEach(key -> parts.add((key.sortNull() ? "n" : "v") + text(key.sortValue() == null ? ""
                    : key.sortValue())));
            return text(String.join(".", parts));
        }

        static PageToken decode(String token, String expectedOrder, int keyCount) {
            try {
                String[] parts = untext(token).split("\\.", -1);
                if (parts.length != keyCount + 2) {
                    throw new InvalidInputException("pageToken", "the token belongs to another orderBy");
                }
                String order = untext(parts[0]);
                if (!order.equals(expectedOrder)) {
                    throw new InvalidInputException("pageToken", "the token belongs to another orderBy");
                }
                List<Key> keys = new ArrayList<>();
                for (int i = 2; i < parts.length; i++) {
                    if (parts[i].isEmpty() || (parts[i].charAt(0) != 'n' && parts[i].charAt(0) != 'v')) {
                        throw new IllegalArgumentException("not a key");
                    }
                    keys.add(new Key(parts[i].charAt(0) == 'n', untext(parts[i].substring(1))));
                }
                return new PageToken(order, keys, Long.parseLong(parts[1]));
            } catch (InvalidInputException e) {
                throw e;
            } catch (IllegalArgumentException e) {
                throw new InvalidInputException("pageToken", "not a token this service issued");
            }
        }

        private static String text(String raw) {
            return Base64.getUrlEncoder().withoutPadding().encodeToString(raw.getBytes(StandardCharsets.UTF_8));
        }

        private static String untext(String encoded) {
            return new String(Base64.getUrlDecoder().decode(encoded), StandardCharsets.UTF_8);
        }
    }
}
