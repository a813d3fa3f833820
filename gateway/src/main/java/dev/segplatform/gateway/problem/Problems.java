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
        return dev.segplatform.web.Problems.type(kind);
    }

    /** Gives a problem that Spring built a {@code type} naming its kind, which Spring leaves blank. */
    public static ProblemDetail complete(ProblemDetail problem) {
        if (problem.getType() == null || "about:blank".equals(problem.getType().toString())) {
            problem.setType(dev.segplatform.web.Problems.type(problem.getStatus()));
        }
        return problem;
    }

    public ProblemDetail problem(HttpStatus status, String kind, String title, String detail, String path) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, detail);
        problem.setType(type(kind));
        problem.setTitle(title);
        problem.setInstance(URI.create(path));
        return problem;
    }

    /** MLflow's error body, for the MLflow API's paths, whose clients read {@code error_code}. */
    public void writeMlflow(HttpServletResponse response, HttpStatus status, String errorCode, String message)
            throws IOException {
        response.setStatus(status.value());
        response.setContentType("application/json");
        response.setCharacterEncoding("UTF-8");
        response.getWriter().write(json.writeValueAsString(java.util.Map.of("error_code", errorCode,
                "message", message)));
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
