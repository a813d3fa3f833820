package dev.segplatform.gateway.problem;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.stereotype.Component;
import tools.jackson.databind.json.JsonMapper;

/**
 * RFC 9457 problem details for everything the gateway refuses itself (keys, roles, limits,
 * unreachable backends), written the same way from filters and from route error handlers.
 */
@Component
public class Problems {

    private final JsonMapper json;

    Problems(JsonMapper json) {
        this.json = json;
    }

    public static URI type(String kind) {
        return URI.create("urn:segplatform:problem:" + kind);
    }

    /** Gives a problem that Spring built a {@code type} naming its kind, which Spring leaves blank. */
    public static ProblemDetail complete(ProblemDetail problem) {
        if (problem.getType() == null || "about:blank".equals(problem.getType().toString())) {
            problem.setType(type(kindOf(problem.getStatus())));
        }
        return problem;
    }

    static String kindOf(int status) {
        return switch (status) {
            case 400 -> "malformed-request";
            case 401 -> "unauthenticated";
            case 403 -> "forbidden";
            case 404 -> "not-found";
            case 405 -> "method-not-allowed";
            case 406 -> "not-acceptable";
            case 413 -> "payload-too-large";
            case 415 -> "unsupported-media-type";
            default -> status >= 500 ? "internal" : "bad-request";
        };
    }

    public ProblemDetail problem(HttpStatus status, String kind, String title, String detail, String path) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, detail);
        problem.setType(type(kind));
        problem.setTitle(title);
        problem.setInstance(URI.create(path));
        return problem;
    }

    public void write(HttpServletRequest request, HttpServletResponse response, HttpStatus status, String kind,
                      String title, String detail) throws IOException {
        ProblemDetail problem = problem(status, kind, title, detail, request.getRequestURI());
        response.setStatus(status.value());
        response.setContentType("application/problem+json");
        response.setCharacterEncoding("UTF-8");
        response.getWriter().write(json.writeValueAsString(problem));
    }
}
