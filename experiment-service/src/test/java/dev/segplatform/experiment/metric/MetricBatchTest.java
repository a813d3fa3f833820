package dev.segplatform.experiment.metric;

import static org.assertj.core.api.Assertions.assertThat;

import dev.segplatform.experiment.Api;
import dev.segplatform.experiment.ServiceTest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * A metric batch reaches the history as one statement over arrays: every point of a full batch must
 * land with its own key, value, step and time, and a batch that fails after the history was written
 * must leave no point of it behind.
 */
class MetricBatchTest extends ServiceTest {

    @AfterEach
    void dropFailingTrigger() {
        jdbc.sql("drop trigger if exists metric_batch_test_fail on latest_metric").update();
        jdbc.sql("drop function if exists metric_batch_test_fail()").update();
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
