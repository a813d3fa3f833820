package dev.segplatform.experiment;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** A small HTTP client for tests: real requests, answers as JSON trees. */
public final class Api {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final String base;
    private final String internalToken;
    private final HttpClient http = HttpClient.newHttpClient();
    private final java.time.Duration timeout;

    /** A client without the internal token: the job protocol refuses it. */
    public Api(String base) {
        this(base, null, null);
    }

    /** A client that sends {@code internalToken} on job protocol calls, as a trainer does. */
    public Api(String base, String internalToken) {
        this(base, internalToken, null);
    }

    /**
     * Every request fails (AssertionError) when no answer came within {@code timeout}; null waits
     * as long as it takes.
     */
    public Api(String base, String internalToken, java.time.Duration timeout) {
        this.base = base;
        this.internalToken = internalToken;
        this.timeout = timeout;
    }

    public String base() {
        return base;
    }

    /** The internal token of a service started without one: generated into its data folder. */
    public static String generatedToken(java.nio.file.Path dataDir) {
        try {
            return java.nio.file.Files.readString(dataDir.resolve("internal-token")).strip();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** An answer: status, headers and the body parsed as JSON (null when empty or not JSON). */
    public record Reply(int status, java.net.http.HttpHeaders headers, String text) {

        public JsonNode json() {
            return text == null || text.isBlank() ? null : JSON.readTree(text);
        }

        public String header(String name) {
            return headers.firstValue(name).orElse(null);
        }
    }

    public Reply get(String path) {
        return send(HttpRequest.newBuilder(uri(path)).GET());
    }

    public Reply get(String path, Map<String, String> query) {
        String encoded = query.entrySet().stream()
                .map(e -> e.getKey() + "=" + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                .collect(Collectors.joining("&"));
        return get(path + "?" + encoded);
    }

    public Reply post(String path, String json) {
        return post(path, json, Map.of());
    }

    public Reply post(String path, String json, Map<String, String> headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri(path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json));
        if (internalToken != null && path.startsWith("/api/jobs") && !headers.containsKey("X-Internal-Token")) {
            request.header("X-Internal-Token", internalToken);
        }
        headers.forEach(request::header);
        return send(request);
    }

    public Reply patch(String path, String json) {
        return send(HttpRequest.newBuilder(uri(path)).header("Content-Type", "application/json")
                .method("PATCH", HttpRequest.BodyPublishers.ofString(json)));
    }

    public Reply put(String path, byte[] body, Map<String, String> headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri(path)).PUT(HttpRequest.BodyPublishers.ofByteArray(body));
        headers.forEach(request::header);
        return send(request);
    }

    public Reply put(String path, String json) {
        return send(HttpRequest.newBuilder(uri(path)).header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(json)));
    }

    public Reply delete(String path) {
        return send(HttpRequest.newBuilder(uri(path)).DELETE());
    }

    public byte[] bytes(String path) {
        try {
            HttpResponse<byte[]> response = http.send(HttpRequest.newBuilder(uri(path)).GET().build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            if (response.statusCode() != 200) {
                throw new AssertionError("GET " + path + " answered " + response.statusCode());
            }
            return response.body();
        } catch (IOException e) {
            throw new AssertionError(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** Creates an experiment with a unique name and returns its id. */
    public long experiment(String prefix) {
        Reply reply = post("/api/experiments", "{\"name\":\"" + prefix + "-" + System.nanoTime() + "\"}");
        if (reply.status() != 201) {
            throw new AssertionError("experiment not created: " + reply);
        }
        return reply.json().get("id").asLong();
    }

    /** Creates a run with a small valid spec (optionally overriding fields) and returns its id. */
    public long run(long experimentId, String model) {
        Reply reply = post("/api/experiments/" + experimentId + "/runs", runBody(model));
        if (reply.status() != 201) {
            throw new AssertionError("run not created: " + reply);
        }
        return reply.json().get("id").asLong();
    }

    public static String runBody(String model) {
        return """
                {"name": "r", "spec": {"model": "%s", "epochs": 2, "batchSize": 8, "learningRate": 0.001,
                 "imageSize": 64, "dataset": {"type": "synthetic", "count": 100, "seed": 7}}}""".formatted(model);
    }

    public static Map<String, String> query(String... pairs) {
        Map<String, String> map = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            map.put(pairs[i], pairs[i + 1]);
        }
        return map;
    }

    private URI uri(String path) {
        return URI.create(base + path);
    }

    private Reply send(HttpRequest.Builder request) {
        if (timeout != null) {
            request.timeout(timeout);
        }
        try {
            HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            return new Reply(response.statusCode(), response.headers(), response.body());
        } catch (IOException e) {
            throw new AssertionError(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
