package dev.segplatform.trainer.worker;

import dev.segplatform.experiment.api.InternalAuth;
import dev.segplatform.trainer.InternalToken;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.web.servlet.HandlerInterceptor;
import org.springframework.web.servlet.config.annotation.InterceptorRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;
import tools.jackson.databind.json.JsonMapper;

/**
 * The trainer's worker endpoints show which jobs and runs it holds; like the job protocol they are for
 * the platform's own processes, so they take the same internal token: 401 without it, 403 when wrong.
 * Health and metrics endpoints stay open for probes and scrapers.
 */
@Configuration(proxyBeanMethods = false)
class WorkerAccess implements WebMvcConfigurer {

    private final InternalToken token;
    private final JsonMapper json;

    WorkerAccess(InternalToken token, JsonMapper json) {
        this.token = token;
        this.json = json;
    }

    @Override
    public void addInterceptors(InterceptorRegistry registry) {
        registry.addInterceptor(new HandlerInterceptor() {
            @Override
            public boolean preHandle(HttpServletRequest request, HttpServletResponse response, Object handler)
                    throws IOException {
                String presented = request.getHeader(InternalAuth.HEADER);
                if (presented == null || presented.isBlank()) {
                    refuse(request, response, HttpStatus.UNAUTHORIZED, "the worker endpoints require the internal "
                            + "token in the " + InternalAuth.HEADER + " header");
                    return false;
                }
                if (!token.matches(presented)) {
                    refuse(request, response, HttpStatus.FORBIDDEN, "the " + InternalAuth.HEADER
                            + " header does not hold this trainer's internal token");
                    return false;
                }
                return true;
            }
        }).addPathPatterns("/api/worker", "/api/worker/**");
    }

    private void refuse(HttpServletRequest request, HttpServletResponse response, HttpStatus status, String detail)
            throws IOException {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, detail);
        problem.setType(URI.create("urn:segplatform:problem:" + status.name().toLowerCase()));
        problem.setInstance(URI.create(request.getRequestURI()));
        response.setStatus(status.value());
        if (status == HttpStatus.UNAUTHORIZED) {
            response.setHeader("WWW-Authenticate", "InternalToken header=\"" + InternalAuth.HEADER + "\"");
        }
        response.setContentType("application/problem+json");
        response.setCharacterEncoding("UTF-8");
        response.getWriter().write(json.writeValueAsString(problem));
    }
}
