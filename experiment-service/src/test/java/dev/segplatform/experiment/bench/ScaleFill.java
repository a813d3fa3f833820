package dev.segplatform.experiment.bench;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.function.Consumer;
import javax.sql.DataSource;

/**
 * Fills the tracking tables with many runs, as MLflow clients would have logged them (status on the
 * run row, no job): {@code runsPerExperiment} runs in each of {@code experiments} experiments named
 * {@code scale-NNNNN}, each run with {@link #PARAMS} params, {@link #TAGS} tags and {@link #METRICS}
 * metric keys of {@code steps} points, and the latest value of each metric in {@code latest_metric}
 * as {@code MetricStore} keeps it. Server-side {@code INSERT ... SELECT} over generate_series into the
 * service's own tables: the rows are those the API would have written, without a hundred million
 * round trips.
 *
 * <p>Values come from PostgreSQL's {@code hashint8extended} of the run id and a slot number, so a
 * fill is varied (three models, ties in created time, NaN latest losses) and the same on every
 * database; the tests read the rows back rather than recompute them. Experiments are filled ten at a
 * time, each ten in one transaction, so an interrupted fill resumes at the next ten.
 */
public final class ScaleFill {

    /** The params of every run; {@code fill = 'scale'} marks the filled runs. */
    public static final List<String> PARAMS = List.of("model", "loss", "optimizer", "lr", "batch", "size", "seed",
            "epochs", "augment", "fill", "param_10", "param_11", "param_12", "param_13", "param_14", "param_15",
            "param_16", "param_17", "param_18", "param_19");
    public static final List<String> TAGS = List.of("team", "stage", "dataset", "user", "tag_4", "tag_5", "tag_6",
            "tag_7", "tag_8", "tag_9");
    public static final List<String> METRICS = List.of("val_mean_iou", "val_loss", "loss", "train_mean_iou",
            "val_pixel_accuracy", "val_border_iou", "lr", "grad_norm", "images_per_second", "epoch_seconds");
    static final String[] STATUSES = {"SUCCEEDED", "SUCCEEDED", "SUCCEEDED", "SUCCEEDED", "SUCCEEDED", "SUCCEEDED",
            "SUCCEEDED", "SUCCEEDED", "SUCCEEDED", "SUCCEEDED", "SUCCEEDED", "SUCCEEDED", "FAILED", "FAILED", "FAILED",
            "RUNNING", "CANCELLED", "PRUNED", "QUEUED", "RUNNING"};
    private static final int EXPERIMENTS_PER_TRANSACTION = 10;

    private final DataSource dataSource;

    public ScaleFill(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** How many {@code scale-} experiments are already complete. */
    public int experimentsDone() throws SQLException {
        try (Connection connection = dataSource.getConnection();
             PreparedStatement count = connection.prepareStatement(
                     "select count(*) from experiment where name like 'scale-%' and deleted_at is null");
             ResultSet rs = count.executeQuery()) {
            rs.next();
            return rs.getInt(1);
        }
    }

    /** Fills experiments up to {@code experiments}, starting after those already there. */
    public void fill(int experiments, int runsPerExperiment, int steps, Consumer<String> progress) throws SQLException {
        int done = experimentsDone();
        long start = System.nanoTime();
        for (int from = done; from < experiments; from += EXPERIMENTS_PER_TRANSACTION) {
            int to = Math.min(experiments, from + EXPERIMENTS_PER_TRANSACTION);
            fillChunk(from, to, runsPerExperiment, steps);
            double seconds = (System.nanoTime() - start) / 1e9;
            progress.accept(String.format("filled experiments %d/%d (%.0f s, %.0f points/s)", to, experiments, seconds,
                    (double) (to - done) * runsPerExperiment * METRICS.size() * steps / seconds));
        }
    }

    private void fillChunk(int from, int to, int runsPerExperiment, int steps) throws SQLException {
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(false);
            try {
                long firstExperiment;
                try (PreparedStatement insert = connection.prepareStatement("""
                        insert into experiment (name, description, created_at, updated_at)
                        select 'scale-' || lpad(g::text, 5, '0'), 'bin/bench tracking --scale',
                               timestamptz '2026-01-01 00:00:00+00' + g * interval '1 minute',
                               timestamptz '2026-01-01 00:00:00+00' + g * interval '1 minute'
                        from generate_series(?, ?) g order by g
                        returning id""")) {
                    insert.setInt(1, from);
                    insert.setInt(2, to - 1);
                    firstExperiment = Long.MAX_VALUE;
                    try (ResultSet rs = insert.executeQuery()) {
                        while (rs.next()) {
                            firstExperiment = Math.min(firstExperiment, rs.getLong(1));
                        }
                    }
                }
                long[] runIds = new long[2];
                try (PreparedStatement insert = connection.prepareStatement("""
                        with made as (
                            insert into run (experiment_id, name, created_at, status, started_at, ended_at)
                            select e.id, e.name || '-run-' || g,
                                   -- Three runs share each created time, so orderings need their tie-break.
                                   timestamptz '2026-01-01 00:00:00+00' + ((e.id * ? + g) / 3) * interval '1 second',
                                   (?::text[])[1 + ((hashint8extended(e.id * 100003 + g, 1) % 20 + 20) % 20)],
                                   timestamptz '2026-01-01 00:00:00+00' + ((e.id * ? + g) / 3) * interval '1 second',
                                   timestamptz '2026-01-01 01:00:00+00' + ((e.id * ? + g) / 3) * interval '1 second'
                            from experiment e cross join generate_series(0, ? - 1) g
                            where e.id >= ? and e.name like 'scale-%'
                            order by e.id, g
                            returning id)
                        select min(id), max(id) from made""")) {
                    insert.setInt(1, runsPerExperiment);
                    insert.setArray(2, connection.createArrayOf("text", STATUSES));
                    insert.setInt(3, runsPerExperiment);
                    insert.setInt(4, runsPerExperiment);
                    insert.setInt(5, runsPerExperiment);
                    insert.setLong(6, firstExperiment);
                    try (ResultSet rs = insert.executeQuery()) {
                        rs.next();
                        runIds[0] = rs.getLong(1);
                        runIds[1] = rs.getLong(2);
                    }
                }
                // Runs still RUNNING or QUEUED have not ended.
                execute(connection, "update run set ended_at = null, started_at = case when status = 'QUEUED' then null"
                        + " else started_at end where id between ? and ? and status in ('RUNNING', 'QUEUED')", runIds);
                execute(connection, "insert into run_param (run_id, key, value) select r.id, k.key, case k.key"
                        + " when 'model' then (array['unet','pspnet','icnet'])[1 + " + pick("r.id", 0, 3) + "]"
                        + " when 'loss' then (array['ce','weighted','dice','weighted-dice'])[1 + " + pick("r.id", 1, 4) + "]"
                        + " when 'optimizer' then (array['adam','sgd','adamw'])[1 + " + pick("r.id", 2, 3) + "]"
                        + " when 'lr' then (array['0.1','0.01','0.003','0.001','0.0003'])[1 + " + pick("r.id", 3, 5) + "]"
                        + " when 'batch' then (array['4','8','16','32'])[1 + " + pick("r.id", 4, 4) + "]"
                        + " when 'size' then (array['128','256','512'])[1 + " + pick("r.id", 5, 3) + "]"
                        + " when 'seed' then " + pick("r.id", 6, 100000) + "::text"
                        + " when 'epochs' then '" + steps + "'"
                        + " when 'augment' then (array['true','false'])[1 + " + pick("r.id", 8, 2) + "]"
                        + " when 'fill' then 'scale'"
                        + " else 'v' || " + pick("r.id", "k.i", 7) + " end"
                        + " from run r cross join unnest(?::text[]) with ordinality k(key, i)"
                        + " where r.id between ? and ?", PARAMS, runIds);
                execute(connection, "insert into run_tag (run_id, key, value) select r.id, k.key, case k.key"
                        + " when 'team' then (array['vision','medical','robotics'])[1 + " + pick("r.id", 20, 3) + "]"
                        + " when 'stage' then (array['dev','prod'])[1 + " + pick("r.id", 21, 2) + "]"
                        + " when 'dataset' then (array['pets','cityscapes','voc'])[1 + " + pick("r.id", 22, 3) + "]"
                        + " when 'user' then 'user-' || " + pick("r.id", 23, 50)
                        + " else 't' || " + pick("r.id", "20 + k.i", 5) + " end"
                        + " from run r cross join unnest(?::text[]) with ordinality k(key, i)"
                        + " where r.id between ? and ?", TAGS, runIds);
                // Each key's points at steps s(step); latest_metric gets the same point at the last step.
                String points = " (run_id, key, value, step, timestamp_ms) select r.id, k.key, " + value(steps)
                        + ", s.step, (extract(epoch from r.created_at) * 1000)::bigint + s.step * 1000"
                        + " from run r cross join unnest(?::text[]) with ordinality k(key, i) cross join ";
                execute(connection, "insert into metric" + points + "generate_series(0, " + (steps - 1)
                        + ") s(step) where r.id between ? and ?", METRICS, runIds);
                execute(connection, "insert into latest_metric" + points + "(select " + (steps - 1)
                        + " as step) s where r.id between ? and ?", METRICS, runIds);
                connection.commit();
            } catch (SQLException | RuntimeException e) {
                connection.rollback();
                throw e;
            }
        }
    }

    /**
     * A metric's value at a step: a learning curve rising to the run's final value (a hash of run and
     * key in [0, 1)); one run in 97 ends with a NaN loss, as a diverged run does.
     */
    private static String value(int steps) {
        String last = "((hashint8extended(r.id * 100 + k.i, 2) % 1000000 + 1000000) % 1000000) / 1000000.0";
        return "case when k.key = 'loss' and s.step = " + (steps - 1) + " and r.id % 97 = 0 then 'NaN'::double precision"
                + " else (" + last + " * (s.step + 1) / " + steps + ")::double precision end";
    }

    /** An integer in [0, n) from the hash of {@code id} and {@code slot}. */
    private static String pick(String id, Object slot, int n) {
        return "(((hashint8extended(" + id + " * 100 + " + slot + ", 3) % " + n + " + " + n + ") % " + n + ")::int)";
    }

    private static void execute(Connection connection, String sql, long[] runIds) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setLong(1, runIds[0]);
            statement.setLong(2, runIds[1]);
            statement.executeUpdate();
        }
    }

    private static void execute(Connection connection, String sql, List<String> keys, long[] runIds)
            throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setArray(1, connection.createArrayOf("text", keys.toArray()));
            statement.setLong(2, runIds[0]);
            statement.setLong(3, runIds[1]);
            statement.executeUpdate();
        }
    }
}
