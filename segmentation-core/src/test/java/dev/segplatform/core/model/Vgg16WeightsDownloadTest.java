package dev.segplatform.core.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.Adler32;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ImageNet file's download against a local server: the file lands only whole and with the
 * expected checksum, and a server that stops answering ends the download with a timeout instead of
 * a run that waits forever. Nothing partial is left where the next run would read it.
 */
class Vgg16WeightsDownloadTest {

    private static final byte[] FILE = "not really VGG16, but bytes with a checksum".getBytes();

    @TempDir
    Path dir;
    HttpServer server;

    @BeforeEach
    void serve() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/models/vgg16.zip", exchange -> {
            exchange.sendResponseHeaders(200, FILE.length);
            exchange.getResponseBody().write(FILE);
            exchange.close();
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private URL url() throws IOException {
        return new URL("http://127.0.0.1:" + server.getAddress().getPort() + "/models/vgg16.zip");
    }

    private static long adler(byte[] bytes) {
        Adler32 adler = new Adler32();
        adler.update(bytes);
        return adler.getValue();
    }

    @Test
    void aWholeFileWithTheExpectedChecksumIsMovedIntoPlace() throws Exception {
        Path target = dir.resolve("models/vgg16/vgg16_dl4j_inference.zip");
        Vgg16Weights.download(url(), adler(FILE), target, 5_000, 5_000);
        assertThat(target).hasBinaryContent(FILE);
        try (var files = Files.list(target.getParent())) {
            assertThat(files).containsExactly(target);
        }
    }

    @Test
    void aWrongChecksumLeavesNothing() throws Exception {
        Path target = dir.resolve("vgg16/vgg16_dl4j_inference.zip");
        assertThatThrownBy(() -> Vgg16Weights.download(url(), adler(FILE) + 1, target, 5_000, 5_000))
                .isInstanceOf(IOException.class).hasMessageContaining("checksum");
        try (var files = Files.list(target.getParent())) {
            assertThat(files).isEmpty();
        }
    }

    @Test
    void aServerThatStopsAnsweringEndsInATimeoutAndLeavesNothing() throws Exception {
        Path target = dir.resolve("vgg16/vgg16_dl4j_inference.zip");
        try (ServerSocket silent = new ServerSocket(0)) {
            Thread accept = new Thread(() -> {
                try (Socket ignored = silent.accept()) {
                    Thread.sleep(60_000);
                } catch (IOException | InterruptedException e) {
                    // the test is over
                }
            });
            accept.setDaemon(true);
            accept.start();
            URL url = new URL("http://127.0.0.1:" + silent.getLocalPort() + "/models/vgg16.zip");
            assertThatThrownBy(() -> Vgg16Weights.download(url, 0, target, 5_000, 500))
                    .isInstanceOf(SocketTimeoutException.class);
            accept.interrupt();
        }
        try (var files = Files.list(target.getParent())) {
            assertThat(files).isEmpty();
        }
    }
}
