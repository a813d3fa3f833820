package dev.segplatform.gateway;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;

/**
 * A stand-in for a backend at the edge of the gateway's tests: echoes the body it receives with
 * the same content type, records the headers it saw, and can be made slow. The experiment service
 * in these tests is the real one.
 */
final class StubBackend implements AutoCloseable {

    private final HttpServer server;
    final Map<String, Map<String, List<String>>> headersByPath = new ConcurrentHashMap<>();
    volatile long delayMillis;

    StubBackend() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(Executors.newFixedThreadPool(8));
        server.createContext("/", exchange -> {
            headersByPath.put(exchange.getRequestURI().getPath(), Map.copyOf(exchange.getRequestHeaders()));
            byte[] body;
            try (InputStream in = exchange.getRequestBody()) {
                body = in.readAllBytes();
            }
            if (delayMillis > 0) {
                try {
                    Thread.sleep(delayMillis);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            String type = exchange.getRequestHeaders().getFirst("Content-Type");
            exchange.getResponseHeaders().add("Content-Type", type == null ? "application/json" : type);
            if (body.length == 0) {
                body = "{\"path\":\"%s\"}".formatted(exchange.getRequestURI().getPath()).getBytes();
            }
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
    }

    URI url() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
