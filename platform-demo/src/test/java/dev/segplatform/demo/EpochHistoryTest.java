package dev.segplatform.demo;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The demo's progress lines read two metric histories in two requests while the trainer keeps
 * logging. An epoch logged between the two reads must not show up with a loss of NaN (it did in CI:
 * {@code pspnet epoch 2/2 loss NaN}).
 */
class EpochHistoryTest {

    @Test
    void anEpochLoggedBetweenTheTwoReadsKeepsItsLoss() throws Exception {
        // Epoch 1 is logged; epoch 2 is logged (loss and val_mean_iou in one batch) right after the first read.
        AtomicInteger reads = new AtomicInteger();
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/api/runs/7/metrics/", exchange -> {
            boolean logged = reads.getAndIncrement() > 0;
            String metric = exchange.getRequestURI().getPath().replaceAll(".*/", "");
            double first = metric.equals("loss") ? 1.5 : 0.4;
            double second = metric.equals("loss") ? 1.2 : 0.45;
            String history = "{\"history\":[{\"step\":1,\"value\":" + first + "}"
                    + (logged ? ",{\"step\":2,\"value\":" + second + "}" : "") + "]}";
            byte[] body = history.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
        try {
            GatewayApi api = new GatewayApi(URI.create("http://127.0.0.1:" + server.getAddress().getPort()), "key");
            PlatformDemo demo = new PlatformDemo(api, PlatformDemo.Size.of("quick"), Path.of("target"), "pets",
                    ProgressView.of("lines", false, new PrintStream(PrintStream.nullOutputStream())));
            List<ProgressView.Epoch> epochs = demo.epochs(7);
            assertThat(reads.get()).isEqualTo(2);
            assertThat(epochs).allSatisfy(e -> assertThat(e.loss()).as("loss of epoch %d", e.number()).isNotNaN());
        } finally {
            server.stop(0);
        }
    }
}
