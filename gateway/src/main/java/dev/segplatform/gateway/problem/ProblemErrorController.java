package dev.segplatform.gateway.problem;

import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.http.HttpServletRequest;
import java.net.URI;
import org.springframework.boot.webmvc.error.ErrorController;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * What the servlet container forwards to {@code /error} (a TRACE, a {@code sendError} from a filter):
 * a problem detail, where Boot's default would answer its own JSON shape.
 */
@RestController
class ProblemErrorController implements ErrorController {

    @RequestMapping("${server.error.path:/error}")
    ResponseEntity<ProblemDetail> error(HttpServletRequest request) {
        Object code = request.getAttribute(RequestDispatcher.ERROR_STATUS_CODE);
        HttpStatus status = code instanceof Integer value && HttpStatus.resolve(value) != null
                ? HttpStatus.resolve(value) : HttpStatus.INTERNAL_SERVER_ERROR;
        String detail = switch (status) {
            case METHOD_NOT_ALLOWED -> "this method is not supported here";
            case NOT_FOUND -> "no such resource";
            default -> status.is5xxServerError() ? "the gateway failed to handle this request"
                    : "the request was refused: " + status.getReasonPhrase();
        };
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, detail);
        Object path = request.getAttribute(RequestDispatcher.ERROR_REQUEST_URI);
        if (path instanceof String uri) {
            problem.setInstance(URI.create(uri.replaceAll("[^A-Za-z0-9/._~-]", "_")));
        }
        Problems.complete(problem);
        return ResponseEntity.status(status).contentType(MediaType.APPLICATION_PROBLEM_JSON).body(problem);
    }
}
