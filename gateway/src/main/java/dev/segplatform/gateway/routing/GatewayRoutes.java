package dev.segplatform.gateway.routing;

import static org.springframework.cloud.gateway.server.mvc.filter.BeforeFilterFunctions.setPath;
import static org.springframework.cloud.gateway.server.mvc.filter.BeforeFilterFunctions.uri;
import static org.springframework.cloud.gateway.server.mvc.handler.GatewayRouterFunctions.route;
import static org.springframework.cloud.gateway.server.mvc.handler.HandlerFunctions.http;
import static org.springframework.cloud.gateway.server.mvc.predicate.GatewayRequestPredicates.path;

import dev.segplatform.gateway.GatewayProperties;
import dev.segplatform.gateway.problem.Problems;
import dev.segplatform.gateway.web.RequestSizeFilter;
import java.net.ConnectException;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;
import java.net.SocketTimeoutException;
import java.net.http.HttpClient;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.client.ClientHttpRequestFactory;
import org.springframework.http.client.JdkClientHttpRequestFactory;
import org.springframework.web.servlet.function.RouterFunction;
import org.springframework.web.servlet.function.ServerRequest;
import org.springframework.web.servlet.function.ServerResponse;

/**
 * The public routes: tracking to the experiment service, segmentation to the inference service,
 * and each service's OpenAPI document under {@code /v3/api-docs/<service>} for the one Swagger UI.
 * The trainers' job protocol ({@code /api/jobs/**}) is deliberately not routed.
 */
@Configuration(proxyBeanMethods = false)
class GatewayRoutes {

    private static final Logger log = LoggerFactory.getLogger(GatewayRoutes.class);

    private final GatewayProperties properties;
    private final Problems problems;

    GatewayRoutes(GatewayProperties properties, Problems problems) {
        this.properties = properties;
        this.problems = problems;
    }

    @Bean
    RouterFunction<ServerResponse> experimentRoutes() {
        return route("experiment-service")
                .route(path("/api/experiments", "/api/experiments/**", "/api/runs", "/api/runs/**", "/api/studies",
                        "/api/studies/**", "/api/models/**", "/api/queue",
                        // MLflow's REST API: its clients', its web UI's and its artifact proxy's prefixes.
                        "/api/2.0/mlflow/**", "/ajax-api/2.0/mlflow/**", "/api/2.0/mlflow-artifacts/**"), http())
                .before(uri(properties.experimentUrl()))
                .onError(Throwable.class, (error, request) -> backendError(error, request, "experiment service"))
                .build()
                // The service's public group: its whole document would list the trainers' job protocol,
                // which is not routed here.
                .and(docs("experiment-docs", "/v3/api-docs/experiment", properties.experimentUrl(),
                        "/v3/api-docs/public"));
    }

    @Bean
    RouterFunction<ServerResponse> inferenceRoutes() {
        return route("inference-service")
                .route(path("/api/segment", "/api/segment/**", "/api/model", "/v2", "/v2/**"), http())
                .before(uri(properties.inferenceUrl()))
                .onError(Throwable.class, (error, request) -> backendError(error, request, "inference service"))
                .build()
                .and(docs("inference-docs", "/v3/api-docs/inference", properties.inferenceUrl(), "/v3/api-docs"));
    }

    /** A backend's OpenAPI document, fetched with forwarded headers so its server URL is the gateway's. */
    private RouterFunction<ServerResponse> docs(String id, String path, URI backend, String backendPath) {
        Function<ServerRequest, ServerRequest> toDocs = setPath(backendPath);
        return route(id)
                .route(path(path), http())
                .before(uri(backend))
                .before(toDocs)
                .onError(Throwable.class, (error, request) -> backendError(error, request, id))
                .build();
    }

    /**
     * Connect timeouts and refusals are the backend being down (502); read timeouts are it being
     * too slow (504); a body over the size limit found while streaming is the client's (413).
     */
    private ServerResponse backendError(Throwable error, ServerRequest request, String backend) {
        HttpStatus status = HttpStatus.BAD_GATEWAY;
        String kind = "bad-gateway";
        String detail = "the " + backend + " cannot be reached";
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof RequestSizeFilter.TooLargeException) {
                status = HttpStatus.CONTENT_TOO_LARGE;
                kind = "payload-too-large";
                detail = t.getMessage();
                break;
            }
            if (t instanceof HttpConnectTimeoutException || t instanceof ConnectException
                    || t instanceof UnknownHostException) {
                break;
            }
            if (t instanceof HttpTimeoutException || t instanceof SocketTimeoutException) {
                status = HttpStatus.GATEWAY_TIMEOUT;
                kind = "gateway-timeout";
                detail = "the " + backend + " did not answer within " + properties.readTimeout().toSeconds() + " s";
                break;
            }
        }
        log.warn("{} {} -> {}: {}", request.method(), request.path(), status.value(), error.toString());
        return ServerResponse.status(status).contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .body(problems.problem(status, kind, status.getReasonPhrase(), detail, request.path()));
    }

    /** The HTTP client to the backends, with the configured timeouts. */
    @Bean
    ClientHttpRequestFactory gatewayHttpClient() {
        HttpClient client = HttpClient.newBuilder()
                .connectTimeout(properties.connectTimeout())
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
        JdkClientHttpRequestFactory factory = new JdkClientHttpRequestFactory(client);
        factory.setReadTimeout(properties.readTimeout());
        return factory;
    }
}
