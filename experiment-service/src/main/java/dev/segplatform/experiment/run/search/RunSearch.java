package dev.segplatform.experiment.run.search;

import dev.segplatform.experiment.api.JobStatus;
import dev.segplatform.experiment.problem.InvalidInputException;
import dev.segplatform.experiment.run.RunResponse;
import dev.segplatform.experiment.run.RunViews;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
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
        List<Order> parsed = Order.parseAll(query.orderBy());
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
        // A sort key that the filter also tests is present on every matching run: it is joined (one
        // row per run, by the table's primary key) and the filter's tests of it apply to the joined
        // row, so the sort can walk an index on (key, value, run_id) from the page's start and stop
        // after one page, instead of sorting every match.
        List<String> joins = new ArrayList<>();
        List<Order> orders = new ArrayList<>();
        Set<Integer> joinedClauses = new HashSet<>();
        for (int i = 0; i < parsed.size(); i++) {
            Order order = parsed.get(i);
            List<Integer> tests = new ArrayList<>();
            for (int c = 0; c < filter.clauses().size(); c++) {
                Filter.Clause clause = filter.clauses().get(c);
                if (order.entity() != null && clause.entity() == order.entity() && clause.key().equals(order.key())
                        && !joinedClauses.contains(c)) {
                    tests.add(c);
                }
            }
            if (tests.isEmpty()) {
                orders.add(order);
                continue;
            }
            String alias = "o" + i;
            joins.add("join " + table(order.entity()) + " " + alias + " on " + alias + ".run_id = r.id and " + alias
                    + ".key = :orderKey" + i);
            for (int c : tests) {
                where.add(test(alias, filter.clauses().get(c), c, params));
                joinedClauses.add(c);
            }
            orders.add(order.present(alias + ".value"));
        }
        for (int c = 0; c < filter.clauses().size(); c++) {
            if (!joinedClauses.contains(c)) {
                where.add(condition(filter.clauses().get(c), c, params));
            }
        }
        orders.forEach(order -> params.putAll(order.params()));
        String canonical = orders.stream().map(Order::canonical).collect(Collectors.joining(", "));
        // Ties on every key go by id, in the first key's direction (one key: as that key sorts). The id is
        // the first joined table's copy when the first key is joined, so the index that sorts holds it too.
        boolean idAscending = orders.get(0).ascending();
        String id = orders.get(0).expression().equals("o0.value") ? "o0.run_id" : "r.id";
        // Keys no run lacks sort as they are; a key some runs lack sorts them last in either direction.
        boolean present = orders.stream().allMatch(Order::present);
        if (query.pageToken() != null && !query.pageToken().isBlank()) {
            PageToken token = PageToken.decode(query.pageToken(), canonical, orders.size());
            where.add(after(orders, token, id, idAscending, present, params));
        }
        params.put("limit", query.maxResults() + 1);
        List<String> columns = new ArrayList<>(List.of(id + " as id"));
        List<String> sort = new ArrayList<>();
        for (int i = 0; i < orders.size(); i++) {
            Order order = orders.get(i);
            columns.add("(" + order.expression() + ") is null as sort_null" + i);
            columns.add("cast((" + order.expression() + ") as text) as sort_value" + i);
            if (!present) {
                sort.add("(" + order.expression() + ") is null");
            }
            sort.add("(" + order.expression() + ") " + (order.ascending() ? "asc" : "desc"));
        }
        sort.add(id + " " + (idAscending ? "asc" : "desc"));
        record Row(long id, List<PageToken.Key> keys) {
        }
        List<Row> rows = jdbc.sql("select " + String.join(", ", columns)
                        + " from run r left join job j on j.run_id = r.id join experiment e on e.id = r.experiment_id"
                        + joins.stream().map(join -> " " + join).collect(Collectors.joining())
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
     * The rows after the token's row in the sort. When every key is present and all sort one way, that
     * is one row comparison, which an index on the same columns answers by starting at the token's row.
     * Otherwise: greater on the first key, or equal on it and greater on the second, and so on, with the
     * id last; nulls sort last under either direction, so after a null only nulls follow, and after a
     * value every null does.
     */
    private static String after(List<Order> orders, PageToken token, String id, boolean idAscending, boolean present,
                                Map<String, Object> params) {
        params.put("afterId", token.id());
        boolean oneWay = orders.stream().allMatch(order -> order.ascending() == idAscending);
        if (present && oneWay && token.keys().stream().noneMatch(PageToken.Key::sortNull)) {
            List<String> left = new ArrayList<>();
            List<String> right = new ArrayList<>();
            for (int i = 0; i < orders.size(); i++) {
                params.put("afterValue" + i, token.keys().get(i).sortValue());
                left.add(orders.get(i).expression());
                right.add("cast(:afterValue" + i + " as " + orders.get(i).sqlType() + ")");
            }
            left.add(id);
            right.add(":afterId");
            return "(" + String.join(", ", left) + ") " + (idAscending ? ">" : "<") + " (" + String.join(", ", right)
                    + ")";
        }
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
        alternatives.add(and(equalSoFar, id + " " + (idAscending ? ">" : "<") + " :afterId"));
        return "(" + String.join(" or ", alternatives) + ")";
    }

    private static String and(List<String> conditions, String last) {
        List<String> all = new ArrayList<>(conditions);
        all.add(last);
        return "(" + String.join(" and ", all) + ")";
    }

    private static String table(Filter.Entity entity) {
        return switch (entity) {
            case METRIC -> "latest_metric";
            case PARAM -> "run_param";
            case TAG -> "run_tag";
            case ATTRIBUTE -> throw new IllegalArgumentException("attributes are columns of the run");
        };
    }

    /** The clause's value, bound as {@code :v<i>}, and its comparison as SQL after the compared expression. */
    private static String comparison(Filter.Clause clause, int i, Map<String, Object> params) {
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
        String value = ":v" + i;
        return clause.op() == Filter.Op.IN || clause.op() == Filter.Op.NOT_IN
                ? clause.op().sql + " (" + value + ")" : clause.op().sql + " " + value;
    }

    /** A metric, param or tag clause as a test of the row {@code alias} of its table that has its key. */
    private static String test(String alias, Filter.Clause clause, int i, Map<String, Object> params) {
        String comparison = comparison(clause, i, params);
        // NaN sorts above every number in PostgreSQL; a diverged run must not pass "> 0.8".
        if (clause.entity() == Filter.Entity.METRIC) {
            return "(" + alias + ".value <> 'NaN' and " + alias + ".value " + comparison + ")";
        }
        // Params are indexed by their value's digest (V13), which any length of value fits.
        if (clause.entity() == Filter.Entity.PARAM && clause.op() == Filter.Op.EQ) {
            return "(" + alias + ".value " + comparison + " and md5(" + alias + ".value) = md5(cast(:v" + i
                    + " as text)))";
        }
        return alias + ".value " + comparison;
    }

    /** One clause as SQL; identifiers come from fixed text or the attribute whitelist, values are bound. */
    private static String condition(Filter.Clause clause, int i, Map<String, Object> params) {
        if (clause.entity() != Filter.Entity.ATTRIBUTE) {
            String alias = switch (clause.entity()) {
                case METRIC -> "m";
                case PARAM -> "p";
                default -> "t";
            } + i;
            return "exists (select 1 from " + table(clause.entity()) + " " + alias + " where " + alias
                    + ".run_id = r.id and " + alias + ".key = :k" + i + " and " + test(alias, clause, i, params) + ")";
        }
        String comparison = comparison(clause, i, params);
        Object bound = params.get("v" + i);
        String value = ":v" + i;
        RunAttribute attribute = RunAttribute.of(clause.key(), "filter");
        if (attribute.kind == RunAttribute.Kind.STATUS) {
            // One status may stand for several (MLflow's KILLED), so every status test is a set test.
            params.put("v" + i, RunAttribute.platformStatuses(bound instanceof List<?> list
                    ? list.stream().map(Object::toString).toList() : List.of(bound.toString())));
            boolean positive = clause.op() == Filter.Op.EQ || clause.op() == Filter.Op.IN;
            return attribute.column + (positive ? " in (" : " not in (") + value + ")";
        }
        return attribute.kind == RunAttribute.Kind.TIME
                ? attribute.column + " " + clause.op().sql + " to_timestamp(" + value + " / 1000.0)"
                : attribute.column + " " + comparison;
    }

    /**
     * The sort: an SQL expression over {@code r} and {@code j}, its type for keyset casts, and direction;
     * for a metric, param or tag key its entity and key; present when no run can lack a value.
     */
    record Order(String canonical, String expression, String sqlType, boolean ascending, Map<String, Object> params,
                 Filter.Entity entity, String key, boolean present) {

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
            Map<String, Object> params = Map.of("orderKey" + index, id.key());
            return switch (id.entity()) {
                case METRIC -> new Order(canonical,
                        "select m.value from latest_metric m where m.run_id = r.id and m.key = :orderKey" + index,
                        "double precision", ascending, params, id.entity(), id.key(), false);
                case PARAM -> new Order(canonical,
                        "select p.value from run_param p where p.run_id = r.id and p.key = :orderKey" + index,
                        "text", ascending, params, id.entity(), id.key(), false);
                case TAG -> new Order(canonical,
                        "select t.value from run_tag t where t.run_id = r.id and t.key = :orderKey" + index,
                        "text", ascending, params, id.entity(), id.key(), false);
                case ATTRIBUTE -> attribute(RunAttribute.of(id.key(), "orderBy"), ascending);
            };
        }

        private static Order attribute(RunAttribute attribute, boolean ascending) {
            return new Order("attribute." + attribute.name() + " " + (ascending ? "asc" : "desc"),
                    attribute.column, attribute.sqlType, ascending, Map.of(), null, null, attribute.present);
        }

        /** The same key read from a joined row that every matching run has. */
        Order present(String column) {
            return new Order(canonical, column, sqlType, ascending, params, entity, key, true);
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
