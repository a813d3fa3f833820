package dev.segplatform.experiment.metric;

import dev.segplatform.experiment.api.MetricHistory;
import dev.segplatform.experiment.api.MetricPoint;
import dev.segplatform.experiment.limit.InputLimits;
import dev.segplatform.experiment.problem.InvalidInputException;
import dev.segplatform.experiment.problem.NotFoundException;
import dev.segplatform.experiment.queue.JobQueue;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import org.springframework.jdbc.core.BatchPreparedStatementSetter;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;
import org.springframework.transaction.annotation.Transactional;

/**
 * Metric history, appended in batches. A batch is one transaction: all points or none, and the
 * latest-value table moves with it. Plain JDBC batches because this is the hottest write path
 * (a trainer logs per-iteration metrics) and an ORM would add a round of object work per point.
 */
@Repository
public class MetricStore {

    private final JdbcTemplate jdbcTemplate;
    private final JdbcClient jdbc;
    private final JobQueue queue;
    private final InputLimits limits;
    private final Clock clock;

    MetricStore(JdbcTemplate jdbcTemplate, JdbcClient jdbc, JobQueue queue, InputLimits limits, Clock clock) {
        this.limits = limits;
        this.jdbcTemplate = jdbcTemplate;
        this.jdbc = jdbc;
        this.queue = queue;
        this.clock = clock;
    }

    @Transactional
    public void append(long runId, UUID leaseToken, List<MetricPoint> points) {
        limits.metricKeys(points.stream().map(MetricPoint::key).toList());
        queue.guardWrite(runId, leaseToken);
        long now = clock.millis();
        List<StoredRow> rows = points.stream()
                .map(p -> new StoredRow(p.key(), p.value(), p.step() == null ? 0 : p.step(),
                        p.timestamp() == null ? now : p.timestamp()))
                .toList();
        insertHistory(runId, rows);
        // Only the newest point per key can move the latest value; MLflow orders by step, then time.
        Map<String, StoredRow> newest = new HashMap<>();
        Comparator<StoredRow> order = Comparator.comparingLong(StoredRow::step).thenComparingLong(StoredRow::timestamp);
        for (StoredRow row : rows) {
            newest.merge(row.key(), row, (a, b) -> order.compare(b, a) >= 0 ? b : a);
        }
        jdbcTemplate.batchUpdate("""
                        insert into latest_metric (run_id, key, value, step, timestamp_ms) values (?, ?, ?, ?, ?)
                        on conflict (run_id, key) do update
                        set value = excluded.value, step = excluded.step, timestamp_ms = excluded.timestamp_ms
                        where (excluded.step, excluded.timestamp_ms) >= (latest_metric.step, latest_metric.timestamp_ms)""",
                new RowSetter(runId, List.copyOf(newest.values())));
    }

    /**
     * The points as one statement over four arrays: a batch of JDBC inserts, even rewritten into
     * multi-row ones, still sends five bound parameters per point and makes the database parse and
     * plan several statements per batch.
     */
    private void insertHistory(long runId, List<StoredRow> rows) {
        int n = rows.size();
        String[] keys = new String[n];
        Double[] values = new Double[n];
        Long[] steps = new Long[n];
        Long[] timestamps = new Long[n];
        for (int i = 0; i < n; i++) {
            StoredRow row = rows.get(i);
            keys[i] = row.key();
            values[i] = row.value();
            steps[i] = row.step();
            timestamps[i] = row.timestamp();
        }
        jdbcTemplate.execute((Connection connection) -> {
            try (PreparedStatement insert = connection.prepareStatement("""
                    insert into metric (run_id, key, value, step, timestamp_ms)
                    select ?, p.key, p.value, p.step, p.timestamp_ms
                    from unnest(?::text[], ?::float8[], ?::int8[], ?::int8[]) as p(key, value, step, timestamp_ms)""")) {
                insert.setLong(1, runId);
                insert.setArray(2, connection.createArrayOf("text", keys));
                insert.setArray(3, connection.createArrayOf("float8", values));
                insert.setArray(4, connection.createArrayOf("int8", steps));
                insert.setArray(5, connection.createArrayOf("int8", timestamps));
                return insert.executeUpdate();
            }
        });
    }

    @Transactional(readOnly = true)
    public List<MetricHistory.Point> history(long runId, String key) {
        List<MetricHistory.Point> points = jdbc.sql("""
                        select value, step, timestamp_ms from metric
                        where run_id = :runId and key = :key order by step, timestamp_ms""")
                .param("runId", runId)
                .param("key", key)
                .query((rs, n) -> new MetricHistory.Point(rs.getDouble("value"), rs.getLong("step"), rs.getLong("timestamp_ms")))
                .list();
        // Only an empty history asks whether the run exists: one round trip for the usual read.
        if (points.isEmpty()) {
            requireRun(runId);
        }
        return points;
    }

    /**
     * One page of a metric's history: {@code limit} points from {@code offset}, in the order above with
     * the value last, so pages cut the same order every time (points equal in all three are alike).
     */
    @Transactional(readOnly = true)
    public List<MetricHistory.Point> history(long runId, String key, long offset, int limit) {
        requireRun(runId);
        return jdbc.sql("""
                        select value, step, timestamp_ms from metric
                        where run_id = :runId and key = :key order by step, timestamp_ms, value
                        offset :offset limit :limit""")
                .param("runId", runId)
                .param("key", key)
                .param("offset", offset)
                .param("limit", limit)
                .query((rs, n) -> new MetricHistory.Point(rs.getDouble("value"), rs.getLong("step"), rs.getLong("timestamp_ms")))
                .list();
    }

    /**
     * Every point of the run's metrics, or of {@code keys} only (each requested key present, with no
     * points if none were logged), keyed in name order and ordered by step. The points are counted first
     * (on the history index alone) and a read of more than {@code limits.metric-points-per-read} is
     * refused before any is loaded.
     */
    @Transactional(readOnly = true)
    public Map<String, List<MetricHistory.Point>> histories(long runId, List<String> keys) {
        requireRun(runId);
        boolean all = keys == null || keys.isEmpty();
        String where = all ? "run_id = :runId" : "run_id = :runId and key in (:keys)";
        long points = jdbc.sql("select count(*) from metric where " + where)
                .param("runId", runId)
                .param("keys", all ? List.of("") : keys)
                .query(Long.class).single();
        int limit = limits.limits().metricPointsPerRead();
        if (points > limit) {
            throw new InvalidInputException("keys", "run " + runId + " holds " + points + " points"
                    + (all ? "" : " of these metrics") + ", more than one read returns ("
                    + limit + "); name fewer metrics with keys=, or read one with key=");
        }
        Map<String, List<MetricHistory.Point>> histories = new TreeMap<>();
        if (!all) {
            keys.forEach(key -> histories.put(key, new ArrayList<>()));
        }
        jdbc.sql("select key, value, step, timestamp_ms from metric where " + where + " order by key, step, timestamp_ms")
                .param("runId", runId)
                .param("keys", all ? List.of("") : keys)
                .query(rs -> {
                    histories.computeIfAbsent(rs.getString("key"), k -> new ArrayList<>()).add(new MetricHistory.Point(
                            rs.getDouble("value"), rs.getLong("step"), rs.getLong("timestamp_ms")));
                });
        return histories;
    }

    private void requireRun(long runId) {
        boolean runExists = jdbc.sql("select count(*) from run where id = :id").param("id", runId)
                .query(Long.class).single() > 0;
        if (!runExists) {
            throw new NotFoundException("run", runId);
        }
    }

    private record StoredRow(String key, double value, long step, long timestamp) {
    }

    private record RowSetter(long runId, List<StoredRow> rows) implements BatchPreparedStatementSetter {
        @Override
        public void setValues(PreparedStatement ps, int i) throws SQLException {
            StoredRow row = rows.get(i);
            ps.setLong(1, runId);
            ps.setString(2, row.key());
            ps.setDouble(3, row.value());
            ps.setLong(4, row.step());
            ps.setLong(5, row.timestamp());
        }

        @Override
        public int getBatchSize() {
            return rows.size();
        }
    }
}
