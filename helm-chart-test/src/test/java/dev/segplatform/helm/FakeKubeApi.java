package dev.segplatform.helm;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Just enough of a Kubernetes API server on the loopback interface for the chart's {@code lookup}
 * of Secrets: discovery of {@code v1} and GET of one Secret (404 unless {@link #putSecret} stored
 * it). helm-java's {@code template} asks the cluster on {@code lookup} where the Helm CLI's would
 * answer an empty map; with this server both see "no such Secret", and a test can show that a key
 * stored in a live Secret survives an upgrade.
 *
 * <p>Helm finds the server through the kubeconfig that {@code KUBECONFIG} (set by Surefire) names;
 * the file is written here, with this server's port, before the first Helm call.
 */
final class FakeKubeApi {

    private static final Pattern SECRET = Pattern.compile("/api/v1/namespaces/([^/]+)/secrets/([^/?]+)");
    private static final FakeKubeApi INSTANCE = start();

    private final HttpServer server;
    private final Map<String, Map<String, String>> secrets = new ConcurrentHashMap<>();

    private FakeKubeApi(HttpServer server) {
        this.server = server;
    }

    static FakeKubeApi get() {
        return INSTANCE;
    }

    /** Stores a Secret that {@code lookup} then finds; values are plain text. */
    void putSecret(String namespace, String name, Map<String, String> data) {
        secrets.put(namespace + "/" + name, Map.copyOf(data));
    }

    void removeSecret(String namespace, String name) {
        secrets.remove(namespace + "/" + name);
    }

    private static FakeKubeApi start() {
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
            FakeKubeApi api = new FakeKubeApi(server);
            server.createContext("/", api::handle);
            server.start();
            api.writeKubeconfig();
            return api;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void writeKubeconfig() throws IOException {
        String path = System.getenv("KUBECONFIG");
        if (path == null || path.isBlank()) {
            throw new IllegalStateException("KUBECONFIG is not set: run the tests through Maven (Surefire sets it)");
        }
        String url = "http://127.0.0.1:" + server.getAddress().getPort();
        Path file = Path.of(path);
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.writeString(file, """
                apiVersion: v1
                kind: Config
                clusters:
                  - name: fake
                    cluster:
                      server: %s
                contexts:
                  - name: fake
                    context:
                      cluster: fake
                      user: fake
                current-context: fake
                users:
                  - name: fake
                    user: {}
                """.formatted(url));
    }

    private void handle(HttpExchange exchange) throws IOException {
        String path = exchange.getRequestURI().getPath();
        Matcher secret = SECRET.matcher(path);
        if (path.equals("/api")) {
            send(exchange, 200, """
                    {"kind":"APIVersions","versions":["v1"],"serverAddressByClientCIDRs":[]}""");
        } else if (path.equals("/apis")) {
            send(exchange, 200, """
                    {"kind":"APIGroupList","apiVersion":"v1","groups":[]}""");
        } else if (path.equals("/api/v1")) {
            send(exchange, 200, """
                    {"kind":"APIResourceList","groupVersion":"v1","resources":[
                      {"name":"secrets","singularName":"secret","namespaced":true,"kind":"Secret",
                       "verbs":["get","list"]}]}""");
        } else if (secret.matches() && secrets.containsKey(secret.group(1) + "/" + secret.group(2))) {
            StringBuilder data = new StringBuilder();
            secrets.get(secret.group(1) + "/" + secret.group(2)).forEach((key, value) -> data
                    .append(data.isEmpty() ? "" : ",")
                    .append('"').append(key).append("\":\"")
                    .append(Base64.getEncoder().encodeToString(value.getBytes(StandardCharsets.UTF_8))).append('"'));
            send(exchange, 200, """
                    {"kind":"Secret","apiVersion":"v1","metadata":{"name":"%s","namespace":"%s"},"type":"Opaque",
                     "data":{%s}}""".formatted(secret.group(2), secret.group(1), data));
        } else {
            send(exchange, 404, """
                    {"kind":"Status","apiVersion":"v1","status":"Failure","reason":"NotFound","code":404,
                     "message":"%s not found"}""".formatted(path));
        }
    }

    private static void send(HttpExchange exchange, int status, String json) throws IOException {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, body.length);
        try (var out = exchange.getResponseBody()) {
            out.write(body);
        }
    }
}
