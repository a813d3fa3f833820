package dev.segplatform.experiment.run;

import static org.assertj.core.api.Assertions.assertThat;

import dev.segplatform.experiment.Api;
import dev.segplatform.experiment.ServiceTest;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Run creation writes run, params, tags, job and summary in one statement plus the job's insert, and
 * answers from what it wrote instead of reading the run back: the answer must be the run a later
 * read shows, every param and tag must land, and a create that fails part-way must leave nothing.
 */
class RunCreateTest extends ServiceTest {

    private static final String FAILING_NAME = "fails-when-queued";

    @BeforeEach
    void emptyQueue() {
        drainQueue();
    }

    @AfterEach
    void dropFailingTrigger() {
        jdbc.sql("drop trigger if exists run_create_test_fail on job").update();
        jdbc.sql("drop function if exists run_create_test_fail()").update();
        drainQueue();
    }

    @Test
    void theAnswerIsTheRunAsReadBackWithEveryParamAndTag() {
        long experimentId = api.experiment("create");
        Api.Reply created = api.post("/api/experiments/" + experimentId + "/runs", """
                {"name": "all-rows", "tags": {"team": "vision", "stage": "dev", "note": "it's \\"quoted\\"", "empty": ""},
                 "spec": {"model": "pspnet", "epochs": 3, "batchSize": 4, "learningRate": 0.01, "imageSize": 64,
                          "dataset": {"type": "synthetic", "count": 50, "seed": 3}}}""");
        assertThat(created.status()).as(created.text()).isEqualTo(201);
        JsonNode run = created.json();
        long runId = run.get("id").asLong();

        assertThat(run).isEqualTo(api.get("/api/runs/" + runId).json());
        assertThat(run.get("status").asString()).isEqualTo("QUEUED");
        assertThat(run.get("tags").size()).isEqualTo(4);
        assertThat(run.get("tags").get("note").asString()).isEqualTo("it's \"quoted\"");
        assertThat(run.get("params").get("model").asString()).isEqualTo("pspnet");
        assertThat(run.get("params").get("dataset.count").asString()).isEqualTo("50");
        assertThat(rows("run_param", runId)).isEqualTo(run.get("params").size()).isGreaterThan(10);
        assertThat(rows("run_tag", runId)).isEqualTo(4);
        assertThat(jdbc.sql("select status from run_summary where run_id = :id").param("id", runId)
                .query(String.class).single()).isEqualTo("QUEUED");
        assertThat(jdbc.sql("select id from job where run_id = :id").param("id", runId).query(Long.class).single())
                .isEqualTo(run.get("jobId").asLong());
        assertThat(api.get("/api/experiments/" + experimentId).json().get("runCounts").get("QUEUED").asInt())
                .isEqualTo(1);
    }

    @Test
    void aRunWithoutTagsHasNoTagRows() {
        long experimentId = api.experiment("create-untagged");
        long runId = api.run(experimentId, "unet");
        assertThat(rows("run_tag", runId)).isZero();
        assertThat(api.get("/api/runs/" + runId).json().get("tags").size()).isZero();
    }

    @Test
    void aCreateThatFailsAfterItsRunWasWrittenLeavesNothing() {
        long experimentId = api.experiment("create-fails");
        // Stands in for any failure after the run, params and tags are written: the job insert is refused.
        jdbc.sql("""
                create function run_create_test_fail() returns trigger language plpgsql as $$
                begin
                    if (select name from run where id = new.run_id) = '%s' then
                        raise exception 'refused by RunCreateTest';
                    end if;
                    return new;
                end $$""".formatted(FAILING_NAME)).update();
        jdbc.sql("create trigger run_create_test_fail before insert on job for each row"
                + " execute function run_create_test_fail()").update();
        List<String> tables = List.of("run", "run_param", "run_tag", "job", "run_summary");
        Map<String, Long> before = counts(tables);
        long queuedBefore = queued();

        Api.Reply refused = api.post("/api/experiments/" + experimentId + "/runs", """
                {"name": "%s", "tags": {"team": "vision"},
                 "spec": {"model": "unet", "epochs": 1, "batchSize": 2, "learningRate": 0.01, "imageSize": 64,
                          "dataset": {"type": "synthetic", "count": 10, "seed": 1}}}""".formatted(FAILING_NAME));

        assertThat(refused.status()).as(refused.text()).isGreaterThanOrEqualTo(500);
        assertThat(refused.header("Content-Type")).startsWith("application/problem+json");
        assertThat(counts(tables)).isEqualTo(before);
        assertThat(queued()).isEqualTo(queuedBefore);
        assertThat(api.get("/api/experiments/" + experimentId).json().get("runCounts").get("QUEUED").asInt())
                .isZero();
    }

    private long rows(String table, long runId) {
        return jdbc.sql("select count(*) from " + table + " where run_id = :id").param("id", runId)
                .query(Long.class).single();
    }

    private Map<String, Long> counts(List<String> tables) {
        Map<String, Long> counts = new java.util.TreeMap<>();
        tables.forEach(table -> counts.put(table, count(table)));
        return counts;
    }

    private long queued() {
        return jdbc.sql("select coalesce(sum(delta), 0) from queued_job_delta").query(Long.class).single();
    }
}
