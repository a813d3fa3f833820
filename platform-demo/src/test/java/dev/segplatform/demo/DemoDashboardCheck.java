package dev.segplatform.demo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.segplatform.testsupport.DashboardBrowser;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The dashboard in front of what the demo really trained: signed in with the admin key the
 * platform generated, a U-Net run's page draws one point per trained epoch and the sample images
 * the real trainer stored (input, ground truth, prediction), and the study's page draws one line per
 * finished trial. The gateway module's dashboard tests cover every page in detail against runs
 * written through the job protocol; this one checks that what a trainer and a study really produce
 * is what those pages read.
 */
final class DemoDashboardCheck {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final String gateway;
    private final String key;

    DemoDashboardCheck(int port, Path data) throws Exception {
        this.gateway = "http://127.0.0.1:" + port;
        this.key = Files.readString(data.resolve("admin-key")).strip();
    }

    void check(int epochs) throws Exception {
        JsonNode runs = get("/api/runs?filter=" + URLEncoder.encode("params.model = 'unet'", StandardCharsets.UTF_8)
                + "&orderBy=" + URLEncoder.encode("attributes.created_time ASC", StandardCharsets.UTF_8)).get("runs");
        long unet = runs.get(0).get("id").asLong();
        JsonNode study = get("/api/studies/1");
        long finishedTrials = 0;
        for (JsonNode trial : study.get("trials")) {
            String state = trial.get("state").asString();
            if ((state.equals("SUCCEEDED") || state.equals("PRUNED")) && trial.hasNonNull("objective")) {
                finishedTrials++;
            }
        }
        assertThat(finishedTrials).as("finished trials of the demo's study").isPositive();

        try (DashboardBrowser page = DashboardBrowser.open(1400, 1800)) {
            WebDriver driver = page.driver();
            driver.get(gateway + "/#/runs/" + unet);
            page.signIn(key);
            page.waitUpTo(30).until(d -> page.text("#run-status").contains("SUCCEEDED"));
            page.waitUpTo(30).until(d -> d.findElements(By.cssSelector("#chart-loss canvas")).size() > 0);
            assertThat(page.seriesLengths("loss")).containsEntry("loss", (long) epochs)
                    .containsEntry("val_loss", (long) epochs);

            // Every sample the trainer stored is a row of three images that decoded.
            page.waitUpTo(30).until(d -> !d.findElements(By.cssSelector("#samples .sample-group")).isEmpty());
            page.waitUpTo(30).until(d -> (Boolean) page.js("const imgs = [...document.querySelectorAll('#samples img')];"
                    + " return imgs.length > 0 && imgs.every(i => i.complete && i.naturalWidth > 0);"));
            long groups = driver.findElements(By.cssSelector("#samples .sample-group")).size();
            assertThat(driver.findElements(By.cssSelector("#samples img"))).hasSize((int) (3 * groups));
            page.screenshot("demo-run");

            driver.get(gateway + "/#/studies/1");
            page.waitUpTo(30).until(d -> d.findElements(By.cssSelector("#chart-parallel canvas")).size() > 0);
            assertThat(page.js("const c = echarts.getInstanceByDom(document.getElementById('chart-parallel'));"
                    + " return c.getOption().series[0].data.length")).isEqualTo(finishedTrials);
            page.screenshot("demo-study");

            assertThat(page.consoleErrors()).as("browser console errors").isEmpty();
        }
    }

    private JsonNode get(String path) throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(gateway + path))
                .header("X-API-Key", key).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(path + ": " + response.body()).isEqualTo(200);
        return JSON.readTree(response.body());
    }
}
