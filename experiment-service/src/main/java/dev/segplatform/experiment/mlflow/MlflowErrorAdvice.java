package dev.segplatform.experiment.mlflow;

import dev.segplatform.experiment.problem.ApiException;
import dev.segplatform.experiment.problem.DatabaseUnavailable;
import dev.segplatform.experiment.problem.JobQueueFullException;
import jakarta.servlet.http.HttpServletRequest;
import java.sql.SQLTransientConnectionException;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.transaction.CannotCreateTransactionException;
import org.springframework.web.HttpMediaTypeNotSupportedException;
import org.springframework.web.HttpRequestMethodNotSupportedException;
import org.springframework.web.bind.MissingServletRequestParameterException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.method.annotation.MethodArgumentTypeMismatchException;
import tools.jackson.core.JacksonException;

/**
 * MLflow's wire format for errors, {@code {"error_code": ..., "message": ...}}, for the MLflow
 * endpoints only. It is the one exception to the service's single problem-detail advice on purpose:
 * MLflow's clients read {@code error_code} (the Python client raises by it), so these paths must
 * answer as MLflow's server does. Scoped by {@code basePackageClasses} and ordered first, it sees only
 * this package's controllers; the same service exceptions (not found, limits, conflicts) are mapped
 * to MLflow's codes here rather than thrown twice in two vocabularies.
 */
@RestControllerAdvice(basePackageClasses = MlflowErrorAdvice.class)
@Order(Ordered.HIGHEST_PRECEDENCE)
class MlflowErrorAdvice {

    private static final Logger log = LoggerFactory.getLogger(MlflowErrorAdvice.class);

    @ExceptionHandler(MlflowException.class)
    ResponseEntity<MlflowMessages.Error> mlflow(MlflowException e) {
        return answer(e.code, e.getMessage(), null);
    }

    /** The platform's own refusals, by kind: the message is the same, the code is MLflow's. */
    @ExceptionHandler(ApiException.class)
    ResponseEntity<MlflowMessages.Error> platform(ApiException e) {
        String message = e.errors().isEmpty() ? e.getMessage() : e.errors().stream()
                .map(error -> error.field() + ": " + error.reason()).collect(Collectors.joining("; "));
        MlflowException.Code code = switch (e.status()) {
            case NOT_FOUND -> MlflowException.Code.RESOURCE_DOES_NOT_EXIST;
            case UNAUTHORIZED -> MlflowException.Code.UNAUTHENTICATED;
            case FORBIDDEN -> MlflowException.Code.PERMISSION_DENIED;
            case SERVICE_UNAVAILABLE, TOO_MANY_REQUESTS -> MlflowException.Code.TEMPORARILY_UNAVAILABLE;
            // Conflicts (a param logged twice with another value, a finished run's artifacts, a worker's
            // lease) are, as in MLflow, a bad value for the current state.
            default -> e.status().is4xxClientError() ? MlflowException.Code.INVALID_PARAMETER_VALUE
                    : MlflowException.Code.INTERNAL_ERROR;
        };
        String retryAfter = e instanceof JobQueueFullException full
                ? Long.toString(Math.max(1, full.retryAfter().toSeconds())) : null;
        return answer(code, message, retryAfter);
    }

    @ExceptionHandler(HttpMessageNotReadableException.class)
    ResponseEntity<MlflowMessages.Error> malformed(HttpMessageNotReadableException e) {
        Throwable cause = e.getCause();
        while (cause != null && !(cause instanceof JacksonException)) {
            cause = cause.getCause();
        }
        String message = "Malformed request body: send a JSON object";
        if (cause instanceof JacksonException jackson) {
            String where = jackson.getPath().isEmpty() ? "" : " at '" + jackson.getPath().stream()
                    .map(ref -> ref.getPropertyName() != null ? ref.getPropertyName() : "[" + ref.getIndex() + "]")
                    .collect(Collectors.joining(".")).replace(".[", "[") + "'";
            String reason = String.valueOf(jackson.getOriginalMessage())
                    .replaceAll("`[a-zA-Z_$][\\w.$<>\\[\\], ]*`", "a value").replaceAll("(?s)\\s*\\n.*", "");
            message = "Malformed request body" + where + ": " + reason;
        }
        return answer(MlflowException.Code.MALFORMED_REQUEST, message, null);
    }

    @ExceptionHandler({MissingServletRequestParameterException.class})
    ResponseEntity<MlflowMessages.Error> missingParameter(MissingServletRequestParameterException e) {
        return answer(MlflowException.Code.INVALID_PARAMETER_VALUE,
                "Missing value for required parameter '" + e.getParameterName() + "'", null);
    }

    @ExceptionHandler(MethodArgumentTypeMismatchException.class)
    ResponseEntity<MlflowMessages.Error> typeMismatch(MethodArgumentTypeMismatchException e) {
        return answer(MlflowException.Code.INVALID_PARAMETER_VALUE,
                "Invalid value '" + e.getValue() + "' for parameter '" + e.getName() + "'", null);
    }

    @ExceptionHandler({HttpRequestMethodNotSupportedException.class, HttpMediaTypeNotSupportedException.class})
    ResponseEntity<MlflowMessages.Error> unsupported(Exception e) {
        return answer(MlflowException.Code.ENDPOINT_NOT_FOUND, e.getMessage(), null);
    }

    /** A unique index caught what the checks could not (two creations of one name at once). */
    @ExceptionHandler(DataIntegrityViolationException.class)
    ResponseEntity<MlflowMessages.Error> integrity(DataIntegrityViolationException e, HttpServletRequest request) {
        log.info("Integrity violation on {}: {}", request.getRequestURI(), e.getMostSpecificCause().getMessage());
        return answer(MlflowException.Code.RESOURCE_ALREADY_EXISTS, "the change conflicts with existing data", null);
    }

    @ExceptionHandler({DataAccessResourceFailureException.class, CannotCreateTransactionException.class,
            SQLTransientConnectionException.class})
    ResponseEntity<MlflowMessages.Error> databaseUnavailable(Exception e, HttpServletRequest request) {
        log.warn("Database unavailable on {} {}: {}", request.getMethod(), request.getRequestURI(), e.toString());
        return answer(MlflowException.Code.TEMPORARILY_UNAVAILABLE,
                "the database cannot be reached right now; retry later", "2");
    }

    @ExceptionHandler(Exception.class)
    ResponseEntity<MlflowMessages.Error> unexpected(Exception e, HttpServletRequest request) {
        if (DatabaseUnavailable.isCause(e)) {
            return databaseUnavailable(e, request);
        }
        log.error("Unexpected failure on {} {}", request.getMethod(), request.getRequestURI(), e);
        return answer(MlflowException.Code.INTERNAL_ERROR, "the service failed to handle the request; see its log",
                null);
    }

    private static ResponseEntity<MlflowMessages.Error> answer(MlflowException.Code code, String message,
                                                                String retryAfter) {
        ResponseEntity.BodyBuilder builder = ResponseEntity.status(code.status).contentType(MediaType.APPLICATION_JSON);
        if (retryAfter != null) {
            builder.header(HttpHeaders.RETRY_AFTER, retryAfter);
        }
        return builder.body(new MlflowMessages.Error(code.name(), message));
    }
}
