package dev.segplatform.gateway.problem;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.WebRequest;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;
import org.springframework.web.servlet.resource.NoResourceFoundException;

/**
 * The gateway's one error advice: Spring MVC's own refusals (no route, method not allowed, ...)
 * as problem details with a {@code type}, like every other error of the platform.
 */
@RestControllerAdvice
class GatewayExceptionHandler extends ResponseEntityExceptionHandler {

    @Override
    protected ResponseEntity<Object> handleNoResourceFoundException(NoResourceFoundException ex, HttpHeaders headers,
                                                                    HttpStatusCode status, WebRequest request) {
        // Spring's text ("No static resource x") would send a user looking for files; say what is routed.
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, "the gateway has no route for /"
                + ex.getResourcePath() + "; it serves /api/experiments, /api/runs, /api/studies, /api/models, "
                + "/api/queue, /api/segment, /api/model and /v2 (see /swagger-ui.html)");
        return handleExceptionInternal(ex, problem, headers, status, request);
    }

    @Override
    protected ResponseEntity<Object> handleExceptionInternal(Exception ex, Object body, HttpHeaders headers,
                                                             HttpStatusCode status, WebRequest request) {
        ResponseEntity<Object> response = super.handleExceptionInternal(ex, body, headers, status, request);
        if (response != null && response.getBody() instanceof ProblemDetail problem) {
            Problems.complete(problem);
        }
        return response;
    }
}
