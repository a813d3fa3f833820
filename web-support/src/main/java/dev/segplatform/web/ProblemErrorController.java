package dev.segplatform.web;

import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.http.HttpServletRequest;
import java.net.URI;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.webmvc.error.ErrorController;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * The servlet container's error page ({@code /error}), in place of Boot's, which answers
 * {@code {"timestamp","status","error","path"}}: what reaches it was refused outside Spring MVC's
 * handlers, so a service's own advice never saw it (a {@code TRACE}, which the servlet answers 405
 * itself; a {@code sendError} or an exception from a filter). It leaves as a problem detail like
 * everything else, with the original path as {@code instance}.
 */
@RestController
class ProblemErrorController implements ErrorController {

    private static final Logger log = LoggerFactory.getLogger(ProblemErrorController.class);

    @RequestMapping("${server.error.path:/error}")
    ResponseEntity<ProblemDetail> error(HttpServletRequest request) {
        Object code = request.getAttribute(RequestDispatcher.ERROR_STATUS_CODE);
        HttpStatus status = code instanceof Integer i && HttpStatus.resolve(i) != null ? HttpStatus.valueOf(i)
                : HttpStatus.INTERNAL_SERVER_ERROR;
        Object uri = request.getAttribute(RequestDispatcher.ERROR_REQUEST_URI);
        String path = uri instanceof String s ? s : request.getRequestURI();
        String detail;
        if (status == HttpStatus.METHOD_NOT_ALLOWED) {
            // The error dispatch itself is a GET; Servlet 6.1 keeps the client's method in this attribute.
            Object method = request.getAttribute("jakarta.servlet.error.method");
            detail = (method instanceof String m ? "the method " + m : "this method") + " is not allowed on " + path;
        } else if (status.is5xxServerError()) {
            detail = "the service failed to handle the request; see its log";
            if (request.getAttribute(RequestDispatcher.ERROR_EXCEPTION) instanceof Throwable t) {
                log.error("Unexpected failure outside the controllers on {}", path, t);
            }
        } else {
            Object message = request.getAttribute(RequestDispatcher.ERROR_MESSAGE);
            detail = message instanceof String m && !m.isBlank() ? m : status.getReasonPhrase();
        }
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, detail);
        problem.setType(Problems.type(status.value()));
        problem.setTitle(status.getReasonPhrase());
        try {
            problem.setInstance(URI.create(path));
        } catch (IllegalArgumentException notAUri) {
            // The path was refused for being malformed; the problem stands without an instance.
        }
        if (Problems.isKServe(path)) {
            problem.setProperty("error", detail);
        }
        return ResponseEntity.status(status).contentType(MediaType.APPLICATION_PROBLEM_JSON).body(problem);
    }
}
