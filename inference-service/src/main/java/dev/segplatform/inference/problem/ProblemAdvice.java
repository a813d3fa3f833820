package dev.segplatform.inference.problem;

import dev.segplatform.web.FieldProblem;
import dev.segplatform.web.Problems;
import dev.segplatform.core.image.ImageTooLargeException;
import dev.segplatform.core.image.UnreadableImageException;
import dev.segplatform.inference.InferenceProperties;
import dev.segplatform.inference.batching.InferenceTimeoutException;
import dev.segplatform.inference.batching.BatcherFullException;
import dev.segplatform.inference.model.ModelNotReadyException;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.net.URI;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.ServletWebRequest;
import org.springframework.web.context.request.WebRequest;
import org.springframework.web.multipart.MaxUploadSizeExceededException;
import org.springframework.web.multipart.MultipartException;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;

/**
 * The service's one error advice: every failure leaves as an RFC 9457 problem detail with a fixed
 * {@code type} per kind ({@code urn:segplatform:problem:<kind>}), the request path as
 * {@code instance} and the offending fields under {@code errors}. Overload (429, queue full) and
 * unavailability (503, no model yet or request timeout) carry {@code Retry-After}. Answers under
 * {@code /v2} also carry the KServe protocol's {@code error} field, so both kinds of client find
 * the message where they look for it.
 */
@RestControllerAdvice
class ProblemAdvice extends ResponseEntityExceptionHandler {

    private static final Logger log = LoggerFactory.getLogger(ProblemAdvice.class);

    private final String retryAfterSeconds;

    ProblemAdvice(InferenceProperties properties) {
        this.retryAfterSeconds = Long.toString(Math.max(1, (properties.retryAfter().toMillis() + 999) / 1000));
    }

    @ExceptionHandler(ApiException.class)
    ResponseEntity<ProblemDetail> handleApi(ApiException e, HttpServletRequest request) {
        return answer(e.status(), e.kind(), e.title(), e.getMessage(), e.errors(), request, false);
    }

    @ExceptionHandler(BatcherFullException.class)
    ResponseEntity<ProblemDetail> handleQueueFull(BatcherFullException e, HttpServletRequest request) {
        return answer(HttpStatus.TOO_MANY_REQUESTS, "queue-full", "Queue full", e.getMessage(), List.of(), request, true);
    }

    @ExceptionHandler(InferenceTimeoutException.class)
    ResponseEntity<ProblemDetail> handleTimeout(InferenceTimeoutException e, HttpServletRequest request) {
        return answer(HttpStatus.SERVICE_UNAVAILABLE, "timeout", "Request timeout", e.getMessage(), List.of(), request,
                true);
    }

    @ExceptionHandler(ModelNotReadyException.class)
    ResponseEntity<ProblemDetail> handleNotReady(ModelNotReadyException e, HttpServletRequest request) {
        return answer(HttpStatus.SERVICE_UNAVAILABLE, "model-not-ready", "Model not ready", e.getMessage(), List.of(),
                request, true);
    }

    @ExceptionHandler({ImageTooLargeException.class, UnreadableImageException.class})
    ResponseEntity<ProblemDetail> handleImage(IOException e, HttpServletRequest request) {
        return handleApi(ImageRejectedException.of("image", e), request);
    }

    @ExceptionHandler(Exception.class)
    ResponseEntity<ProblemDetail> handleUnexpected(Exception e, HttpServletRequest request) {
        log.error("Unexpected failure on {} {}", request.getMethod(), request.getRequestURI(), e);
        return answer(HttpStatus.INTERNAL_SERVER_ERROR, "internal", "Internal error",
                "the service failed to handle the request; see its log", List.of(), request, false);
    }

    /** Multipart uploads beyond {@code spring.servlet.multipart.max-file-size} or {@code max-request-size}. */
    @Override
    protected ResponseEntity<Object> handleMaxUploadSizeExceededException(MaxUploadSizeExceededException e,
            HttpHeaders headers, HttpStatusCode status, WebRequest request) {
        String limit = e.getMaxUploadSize() > 0 ? " of " + e.getMaxUploadSize() + " bytes" : "";
        return cast(answer(HttpStatus.CONTENT_TOO_LARGE, "payload-too-large", "Payload too large",
                "the upload is larger than the allowed size" + limit, List.of(new FieldProblem("body", "too large")),
                servlet(request), false));
    }

    /** A multipart body that cannot be parsed (no boundary, truncated). */
    @ExceptionHandler(MultipartException.class)
    ResponseEntity<ProblemDetail> handleMultipart(MultipartException e, HttpServletRequest request) {
        return answer(HttpStatus.BAD_REQUEST, "malformed-request", "Malformed request",
                "the multipart body cannot be read: " + e.getMessage(), List.of(), request, false);
    }

    /** Spring's own MVC exceptions (404, 405, 406, 415, missing parts...) get our instance and type too. */
    @Override
    protected ResponseEntity<Object> createResponseEntity(Object body, HttpHeaders headers, HttpStatusCode statusCode,
            WebRequest request) {
        if (body instanceof ProblemDetail problem) {
            HttpServletRequest servlet = servlet(request);
            problem.setInstance(URI.create(servlet.getRequestURI()));
            if (problem.getType() == null || "about:blank".equals(problem.getType().toString())) {
                String kind = HttpStatus.resolve(statusCode.value()) == null ? "error"
                        : HttpStatus.valueOf(statusCode.value()).name().toLowerCase().replace('_', '-');
                problem.setType(Problems.type(kind));
            }
            if (servlet.getRequestURI().startsWith("/v2")) {
                problem.setProperty("error", problem.getDetail());
            }
        }
        return super.createResponseEntity(body, headers, statusCode, request);
    }

    private ResponseEntity<ProblemDetail> answer(HttpStatus status, String kind, String title, String detail,
            List<FieldProblem> errors, HttpServletRequest request, boolean retry) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, detail);
        problem.setType(Problems.type(kind));
        problem.setTitle(title);
        problem.setInstance(URI.create(request.getRequestURI()));
        if (!errors.isEmpty()) {
            problem.setProperty("errors", errors.stream()
                    .map(error -> Map.of("field", error.field(), "reason", String.valueOf(error.reason())))
                    .toList());
        }
        if (request.getRequestURI().startsWith("/v2")) {
            problem.setProperty("error", detail);
        }
        ResponseEntity.BodyBuilder builder = ResponseEntity.status(status).contentType(MediaType.APPLICATION_PROBLEM_JSON);
        if (retry) {
            builder.header(HttpHeaders.RETRY_AFTER, retryAfterSeconds);
        }
        return builder.body(problem);
    }

    private static HttpServletRequest servlet(WebRequest request) {
        return ((ServletWebRequest) request).getRequest();
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static ResponseEntity<Object> cast(ResponseEntity<ProblemDetail> entity) {
        return (ResponseEntity) entity;
    }
}
