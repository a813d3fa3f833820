package dev.segplatform.experiment.run;

import static org.assertj.core.api.Assertions.assertThat;

import dev.segplatform.experiment.Api;
import dev.segplatform.experiment.ServiceTest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

class RunSearchTest extends ServiceTest {

    long experimentId;
    /** Eight runs; the first seven have these val_mean_iou values, the last has none. */
    List<Long> runs = new ArrayList<>();
    double[] ious = {0.42, 0.91, 0.15, 0.66, 0.91, 0.78, Double.NaN};

    @BeforeEach
    void eightRuns() {
        experimentId = api.experiment("search");
        String[] models = {"unet", "pspnet", "icnet", "unet", "unet", "pspnet", "icnet", "unet"};
        for (int i = 0; i < 8; i++) {
            runs.add(api.run(experimentId, models[i]));
        }
        drainQueue(); // ends them as CANCELLED, so metrics take no lease token
        for (int i = 0; i < ious.length; i++) {
            assertThat(api.post("/api/runs/" + runs.get(i) + "/metrics",
                    "{\"metrics\":[{\"key\":\"val_mean_iou\",\"value\":\"" + ious[i] + "\",\"step\":1}]}").status())
                    .isEqualTo(204);
        }
        assertThat(api.post("/api/runs/" + runs.get(3) + "/params", "{\"params\":{\"note\":\"it's fine\"}}").status())
                .isEqualTo(200);
    }

    @Test
    void filtersOnMetricsParamsAndAttributes() {
        assertThat(ids(search("metrics.val_mean_iou > 0.6 and params.model = 'unet'", null)))
                .containsExactlyInAnyOrder(runs.get(3), runs.get(4));
        // A NaN metric never passes a comparison, and a run without the metric is not matched.
        assertThat(ids(search("metrics.val_mean_iou >= 0", null))).hasSize(6);
        assertThat(ids(search("params.model IN ('icnet', 'pspnet') and metrics.val_mean_iou < 0.5", null)))
                .containsExactly(runs.get(2));
        assertThat(ids(search("params.model LIKE 'psp%'", null))).containsExactlyInAnyOrder(runs.get(1), runs.get(5));
        assertThat(ids(search("params.note = 'it''s fine'", null))).containsExactly(runs.get(3));
        assertThat(ids(search("attributes.status = 'cancelled' and attributes.run_id = " + runs.get(0), null)))
                .containsExactly(runs.get(0));
        assertThat(ids(search("attributes.created_time > 0 and params.`dataset.type` = 'synthetic'", null))).hasSize(8);
    }

    @Test
    void ordersByMetricWithKeysetPagesThatAddUpToTheWholeList() {
        List<Long> all = ids(search(null, "metrics.val_mean_iou DESC"));
        // NaN sorts above numbers in PostgreSQL; runs without the metric come last.
        assertThat(all).hasSize(8);
        assertThat(all.get(0)).isEqualTo(runs.get(6));
        assertThat(all.subList(1, 3)).containsExactly(runs.get(4), runs.get(1)); // tie on 0.91: higher id first
        assertThat(all.get(7)).isEqualTo(runs.get(7));

        List<Long> paged = new ArrayList<>();
        String token = null;
        int pages = 0;
        do {
            Map<String, String> query = Api.query("experimentId", "" + experimentId, "orderBy", "metrics.val_mean_iou DESC",
                    "maxResults", "3");
            if (token != null) {
                query.put("pageToken", token);
            }
            JsonNode page = api.get("/api/runs", query).json();
            paged.addAll(ids(page));
            token = page.get("nextPageToken").isNull() ? null : page.get("nextPageToken").asString();
            pages++;
        } while (token != null);
        assertThat(pages).isEqualTo(3);
        assertThat(paged).isEqualTo(all);

        List<Long> ascending = ids(search(null, "metrics.val_mean_iou ASC"));
        assertThat(ascending.subList(0, 6)).containsExactly(runs.get(2), runs.get(0), runs.get(3), runs.get(5),
                runs.get(1), runs.get(4));
    }

    @Test
    void defaultOrderIsNewestFirst() {
        assertThat(ids(search(null, null))).isEqualTo(reversed(runs));
    }

    private JsonNode search(String filter, String orderBy) {
        Map<String, String> query = Api.query("experimentId", "" + experimentId);
        if (filter != null) {
            query.put("filter", filter);
        }
        if (orderBy != null) {
            query.put("orderBy", orderBy);
        }
        Api.Reply reply = api.get("/api/runs", query);
        assertThat(reply.status()).as(reply.text()).isEqualTo(200);
        return reply.json();
    }

    private static List<Long> reversed(List<Long> list) {
        List<Long> copy = new ArrayList<>(list);
        java.util.Collections.reverse(copy);
        return copy;
    }

    private static List<Long> ids(JsonNode page) {
        List<Long> ids = new ArrayList<>();
        page.get("runs").forEach(run -> ids.add(run.get("id").asLong()));
        return ids;
    }
}
