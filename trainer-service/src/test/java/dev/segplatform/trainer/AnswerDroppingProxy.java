package dev.segplatform.trainer;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * An HTTP proxy in front of the experiment service that forwards every request and answer, except
 * that it loses the answer to the first job claim that leased a job: the service has committed the
 * lease, and the trainer sees its connection close with no answer, as after a timeout or a reset.
 * It records the body of every claim it forwarded and which one it dropped.
 */
final class AnswerDroppingProxy implements AutoCloseable {

    private static final String CLAIM = "/api/jobs/claim";
    /** Headers the JDK's HTTP client sets itself and refuses to be given. */
    private static final Set<String> RESTRICTED = Set.of("connection", "content-length", "expect", "host", "upgrade",
            "transfer-encoding", "date");

    private final HttpServer server;
    private final ExecutorService threads = Executors.newCachedThreadPool();
    private final HttpClient http = HttpClient.newHttpClient();
    private final URI upstream;
    private final AtomicBoolean dropped = new AtomicBoolean();
    /** Each forwarded claim: its request body and the status the service answered. */
    final List<Map.Entry<String, Integer>> claims = new CopyOnWriteArrayList<>();
    volatile String droppedClaim;

    private AnswerDroppingProxy(URI upstream) throws IOException {
        this.upstream = upstream;
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(threads);
        server.createContext("/", this::forward);
        server.start();
    }

    static AnswerDroppingProxy start(URI upstream) throws IOException {
        return new AnswerDroppingProxy(upstream);
    }

    URI url() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    private void forward(HttpExchange exchange) throws IOException {
        try {
            byte[] body;
            try (InputStream in = exchange.getRequestBody()) {
                body = in.readAllBytes();
            }
            HttpRequest.Builder request = HttpRequest.newBuilder(upstream.resolve(exchange.getRequestURI().toString()))
                    .method(exchange.getRequestMethod(), body.length == 0 ? HttpRequest.BodyPublishers.noBody()
                            : HttpRequest.BodyPublishers.ofByteArray(body));
            exchange.getRequestHeaders().forEach((name, values) -> {
                if (!RESTRICTED.contains(name.toLowerCase())) {
                    values.forEach(v -> request.header(name, v));
                }
            });
            HttpResponse<byte[]> answer;
            try {
                answer = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            boolean claim = exchange.getRequestURI().getPath().equals(CLAIM);
            if (claim) {
                String sent = new String(body, StandardCharsets.UTF_8);
                claims.add(Map.entry(sent, answer.statusCode()));
                if (answer.statusCode() == 200 && dropped.compareAndSet(false, true)) {
                    droppedClaim = sent;
                    // Closing the exchange before any header is sent closes the connection: the
                    // client gets no answer at all.
                    return;
                }
            }
            answer.headers().map().forEach((name, values) -> {
                if (!name.startsWith(":") && !RESTRICTED.contains(name.toLowerCase())) {
                    exchange.getResponseHeaders().put(name, values);
                }
            });
            byte[] out = answer.body();
            exchange.sendResponseHeaders(answer.statusCode(), out.length == 0 ? -1 : out.length);
            if (out.length > 0) {
                exchange.getResponseBody().write(out);
            }
        } finally {
            exchange.close();
        }
    }

    @Override
    public void close() {
        server.stop(0);
        threads.shutdownNow();
    }
}
