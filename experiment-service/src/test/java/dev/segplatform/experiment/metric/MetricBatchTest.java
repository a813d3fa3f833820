package dev.segplatform.experiment.metric;

import static org.assertj.core.api.Assertions.assertThat;

import dev.segplatform.experiment.Api;
import dev.segplatform.experiment.ServiceTest;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;

/**
 * A metric batch reaches the history as one statement over arrays: every point of a full batch must
 * land with its own key, value, step and time, and a batch that fails after the history was written
 * must leave no point of it behind. Points have no foreign key to their run (V12): the write's lock on
 * the run and the delete trigger must keep every point tied to a run that exists, whichever of a write
 * and a delete comes first.
 */
class MetricBatchTest extends ServiceTest {

    private static final String TWO_POINTS = """
            {"metrics": [{"key": "loss", "value": 0.5, "step": 1}, {"key": "loss", "value": 0.4, "step": 2}]}""";

    @Autowired
    DataSource dataSource;

    @AfterEach
    void dropFailingTrigger() {
        jdbc.sql("drop trigger if exists metric_batch_test_fail on latest_metric").update();
        jdbc.sql("drop function if exists metric_batch_test_fail()").update();
        jdbc.sql("drop trigger if exists metric_batch_test_hold on latest_metric").update();
        jdbc.sql("drop function if exists metric_batch_test_hold()").update();
    }

    @Test
    void deletingRunsDeletesTheirPoints() {
        long first = api.run(api.experiment("batch-delete-run"), "unet");
        long experiment = api.experiment("batch-delete-experiment");
        long second = api.run(experiment, "unet");
        long third = api.run(experiment, "unet");
        for (long run : new long[] {first, second, third}) {
            assertThat(api.post("/api/runs/" + run + "/metrics", TWO_POINTS).status()).isEqualTo(204);
        }

        jdbc.sql("delete from run where id = :id").param("id", first).update();
        assertThat(points(first)).isZero();
        assertThat(points(second)).isEqualTo(2);

        // One statement deleting several runs takes all their points.
        jdbc.sql("delete from run where experiment_id = :id").param("id", experiment).update();
        assertThat(points(second)).isZero();
        assertThat(points(third)).isZero();
    }

    @Test
    void aWriteThatWaitedForARunsDeleteIsRefusedAndLeavesNothing() throws Exception {
        long runId = api.run(api.experiment("batch-after-delete"), "unet");
        try (Connection deleting = dataSource.getConnection(); Statement statement = deleting.createStatement()) {
            deleting.setAutoCommit(false);
            statement.executeUpdate("delete from run where id = " + runId);
            CompletableFuture<Api.Reply> write = CompletableFuture.supplyAsync(
                    () -> api.post("/api/runs/" + runId + "/metrics", TWO_POINTS));
            awaitLockWait(write);
            deleting.commit();

            Api.Reply reply = write.get(30, TimeUnit.SECONDS);
            assertThat(reply.status()).as(reply.text()).isEqualTo(404);
        }
        assertThat(points(runId)).isZero();
        assertThat(jdbc.sql("select count(*) from latest_metric where run_id = :id").param("id", runId)
                .query(Long.class).single()).isZero();
    }

    @Test
    void aDeleteThatWaitedForAWriteTakesTheWrittenPointsWithIt() throws Exception {
        long runId = api.run(api.experiment("batch-before-delete"), "unet");
        // Holds the write after its points went in, with its lock on the run, until the test lets go.
        jdbc.sql("""
                create function metric_batch_test_hold() returns trigger language plpgsql as $$
                begin
                    perform pg_advisory_xact_lock_shared(2020);
                    return new;
                end $$""").update();
        jdbc.sql("create trigger metric_batch_test_hold before insert on latest_metric for each row"
                + " execute function metric_batch_test_hold()").update();
        CompletableFuture<Api.Reply> write;
        CompletableFuture<Integer> delete;
        try (Connection holding = dataSource.getConnection(); Statement statement = holding.createStatement()) {
            holding.setAutoCommit(false);
            statement.execute("select pg_advisory_xact_lock(2020)");
            write = CompletableFuture.supplyAsync(() -> api.post("/api/runs/" + runId + "/metrics", TWO_POINTS));
            awaitLockWait(write);
            delete = CompletableFuture.supplyAsync(
                    () -> jdbc.sql("delete from run where id = :id").param("id", runId).update());
            awaitLockWaits(2, delete);
            holding.commit();
        }

        Api.Reply written = write.get(30, TimeUnit.SECONDS);
        assertThat(written.status()).as(written.text()).isEqualTo(204);
        assertThat(delete.get(30, TimeUnit.SECONDS)).isEqualTo(1);
        assertThat(points(runId)).isZero();
    }

    private long points(long runId) {
        return jdbc.sql("select count(*) from metric where run_id = :id").param("id", runId).query(Long.class).single();
    }

    private void awaitLockWait(CompletableFuture<?> waiter) throws InterruptedException {
        awaitLockWaits(1, waiter);
    }

    /** Until {@code backends} sessions wait for a lock: the interleaving the test needs is in place. */
    private void awaitLockWaits(int backends, CompletableFuture<?> waiter) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (jdbc.sql("select count(*) from pg_stat_activity where wait_event_type = 'Lock'").query(Long.class)
                .single() < backends) {
            assertThat(waiter).as("finished without waiting for the lock").isNotDone();
            assertThat(System.nanoTime()).as("no session waits for the lock").isLessThan(deadline);
            Thread.sleep(20);
        }
    }

    @Test
    void everyPointOfAFullBatchLands() {
        long runId = api.run(api.experiment("batch-full"), "unet");
        StringBuilder body = new StringBuilder("{\"metrics\":[");
        for (int i = 0; i < 1000; i++) {
            String key = i % 2 == 0 ? "loss" : "train/iou";
            body.append(i == 0 ? "" : ",").append("{\"key\":\"").append(key).append("\",\"value\":")
                    .append(i == 999 ? "\"-Infinity\"" : Double.toString(i / 8.0)).append(",\"step\":").append(i)
                    .append(",\"timestamp\":").append(1_000_000L + i).append('}');
        }
        assertThat(api.post("/api/runs/" + runId + "/metrics", body.append("]}").toString()).status()).isEqualTo(204);

        assertThat(jdbc.sql("select count(*) from metric where run_id = :id").param("id", runId).query(Long.class)
                .single()).isEqualTo(1000);
        // Each point keeps its own value, step and time: the arrays were unnested side by side.
        assertThat(jdbc.sql("""
                        select count(*) from metric where run_id = :id
                        and key = case when step % 2 = 0 then 'loss' else 'train/iou' end
                        and timestamp_ms = 1000000 + step and (value = step / 8.0 or (step = 999 and value = '-Infinity'))""")
                .param("id", runId).query(Long.class).single()).isEqualTo(1000);
        JsonNode latest = api.get("/api/runs/" + runId).json().get("metrics");
        assertThat(latest.get("loss").get("step").asLong()).isEqualTo(998);
        assertThat(latest.get("train/iou").get("value").asString()).isEqualTo("-Infinity");
    }

    @Test
    void aBatchThatFailsAfterItsHistoryWasWrittenLeavesNoPoint() {
        long runId = api.run(api.experiment("batch-fails"), "unet");
        // Stands in for any failure after the history insert: the latest-value upsert is refused.
        jdbc.sql("""
                create function metric_batch_test_fail() returns trigger language plpgsql as $$
                begin
                    if new.key = 'refused' then
                        raise exception 'refused by MetricBatchTest';
                    end if;
                    return new;
                end $$""").update();
        jdbc.sql("create trigger metric_batch_test_fail before insert on latest_metric for each row"
                + " execute function metric_batch_test_fail()").update();

        Api.Reply refused = api.post("/api/runs/" + runId + "/metrics", """
                {"metrics": [{"key": "loss", "value": 0.5, "step": 1}, {"key": "refused", "value": 1, "step": 1},
                             {"key": "loss", "value": 0.4, "step": 2}]}""");

        assertThat(refused.status()).as(refused.text()).isGreaterThanOrEqualTo(500);
        assertThat(jdbc.sql("select count(*) from metric where run_id = :id").param("id", runId).query(Long.class)
                .single()).isZero();
        assertThat(jdbc.sql("select count(*) from latest_metric where run_id = :id").param("id", runId)
                .query(Long.class).single()).isZero();
    }
}
