package dev.segplatform.experiment.problem;

import dev.segplatform.web.FieldProblem;
import dev.segplatform.web.Problems;
import dev.segplatform.experiment.config.ExperimentProperties;
import jakarta.servlet.http.HttpServletRequest;
import java.net.URI;
import java.sql.SQLTransientConnectionException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.transaction.CannotCreateTransactionException;
import org.springframework.validation.FieldError;
import org.springframework.web.bind.MethodArgumentNotValidException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.ServletWebRequest;
import org.springframework.web.context.request.WebRequest;
import org.springframework.web.method.annotation.HandlerMethodValidationException;
import org.springframework.web.method.annotation.MethodArgumentTypeMismatchException;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonToken;
import tools.jackson.core.exc.StreamReadException;
import tools.jackson.databind.exc.MismatchedInputException;
import tools.jackson.databind.exc.ValueInstantiationException;
import tools.jackson.databind.exc.InvalidFormatException;
import tools.jackson.databind.exc.UnrecognizedPropertyException;

/**
 * The service's one error advice: every failure leaves as an RFC 9457 problem detail with a
 * fixed {@code type} per kind, the request path as {@code instance}, and the offending fields
 * listed under {@code errors}.
 */
@RestControllerAdvice
class ApiExceptionHandler extends ResponseEntityExceptionHandler {

    private static final Logger log = LoggerFactory.getLogger(ApiExceptionHandler.class);

    private final String databaseRetryAfter;

    ApiExceptionHandler(ExperimentProperties properties) {
        this.databaseRetryAfter = Long.toString(Math.max(1, (properties.dbRetryAfter().toMillis() + 999) / 1000));
    }

    @ExceptionHandler(ApiException.class)
    ResponseEntity<ProblemDetail> handleApi(ApiException e, HttpServletRequest request) {
        ProblemDetail problem = problem(e.status(), e.type(), e.title(), e.getMessage(), e.errors(), request);
        HttpHeaders headers = new HttpHeaders();
        if (e instanceof JobQueueFullException full) {
            headers.set(HttpHeaders.RETRY_AFTER, Long.toString(Math.max(1, full.retryAfter().toSeconds())));
        }
        if (e instanceof UnauthorizedException) {
            // HTTP requires a challenge with 401; this one names the header the token goes in.
            headers.set(HttpHeaders.WWW_AUTHENTICATE, "InternalToken header=\"X-Internal-Token\"");
        }
        return ResponseEntity.status(e.status()).headers(headers).body(problem);
    }

    @ExceptionHandler(MethodArgumentTypeMismatchException.class)
    ResponseEntity<ProblemDetail> handleTypeMismatch(MethodArgumentTypeMismatchException e, HttpServletRequest request) {
        String reason = "expected " + expected(e.getRequiredType()) + ", got '" + e.getValue() + "'";
        return badRequest(Problems.VALIDATION, "Invalid input", List.of(new FieldProblem(e.getName(), reason)), request);
    }

    /**
     * A unique index caught a race that the service's own checks could not (two equal names at once);
     * data exceptions (class 22) are bad input that slipped past a check.
     */
    @ExceptionHandler(DataIntegrityViolationException.class)
    ResponseEntity<ProblemDetail> handleIntegrity(DataIntegrityViolationException e, HttpServletRequest request) {
        if (e.getMostSpecificCause() instanceof java.sql.SQLException sql && sql.getSQLState() != null
                && sql.getSQLState().startsWith("22")) {
            // SQLState class 22 is a data exception: a value the request checks let through (a NUL, a
            // string longer than its column, a number out of range). The client's input, not a conflict;
            // each such case is a missing check to add where the field is read.
            log.warn("Input the checks missed reached the database on {}: {}", request.getRequestURI(), sql.getMessage());
            String reason = "22021".equals(sql.getSQLState()) ? "must not contain a NUL character (\\u0000)"
                    : "a value does not fit what the database stores (SQLState " + sql.getSQLState() + ")";
            return badRequest(Problems.VALIDATION, "Invalid input", List.of(new FieldProblem("body", reason)), request);
        }
        log.info("Integrity violation on {}: {}", request.getRequestURI(), e.getMostSpecificCause().getMessage());
        ProblemDetail problem = problem(HttpStatus.CONFLICT, Problems.type("conflict"), "Conflict",
                "the change conflicts with existing data", List.of(), request);
        return ResponseEntity.status(HttpStatus.CONFLICT).body(problem);
    }

    /**
     * The database cannot be reached (down, restarting, frozen): a short wait for a connection ends
     * in 503 with Retry-After, so clients back off and retry instead of reading a 500 as their fault
     * or the service's bug. Failures that merely wrap such a cause arrive via {@link #handleUnexpected}.
     */
    @ExceptionHandler({DataAccessResourceFailureException.class, CannotCreateTransactionException.class,
            SQLTransientConnectionException.class})
    ResponseEntity<ProblemDetail> handleDatabaseUnavailable(Exception e, HttpServletRequest request) {
        // One line, no stack: while the database is down every request ends here.
        log.warn("Database unavailable on {} {}: {}", request.getMethod(), request.getRequestURI(), e.toString());
        ProblemDetail problem = problem(HttpStatus.SERVICE_UNAVAILABLE, Problems.type(Problems.DATABASE_UNAVAILABLE),
                "Database unavailable", "the database cannot be reached right now; retry later", List.of(), request);
        return ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE)
                .header(HttpHeaders.RETRY_AFTER, databaseRetryAfter).body(problem);
    }

    @ExceptionHandler(Exception.class)
    ResponseEntity<ProblemDetail> handleUnexpected(Exception e, HttpServletRequest request) {
        if (DatabaseUnavailable.isCause(e)) {
            return handleDatabaseUnavailable(e, request);
        }
        log.error("Unexpected failure on {} {}", request.getMethod(), request.getRequestURI(), e);
        ProblemDetail problem = problem(HttpStatus.INTERNAL_SERVER_ERROR, Problems.type("internal"),
                "Internal error", "the service failed to handle the request; see its log", List.of(), request);
        return ResponseEntity.internalServerError().body(problem);
    }

    @Override
    protected ResponseEntity<Object> handleMethodArgumentNotValid(MethodArgumentNotValidException e,
            HttpHeaders headers, HttpStatusCode status, WebRequest request) {
        List<FieldProblem> errors = new ArrayList<>();
        for (FieldError error : e.getBindingResult().getFieldErrors()) {
            errors.add(new FieldProblem(error.getField(), error.getDefaultMessage()));
        }
        e.getBindingResult().getGlobalErrors()
                .forEach(error -> errors.add(new FieldProblem(error.getObjectName(), error.getDefaultMessage())));
        return cast(badRequest(Problems.VALIDATION, "Invalid input", errors, servlet(request)));
    }

    @Override
    protected ResponseEntity<Object> handleHandlerMethodValidationException(HandlerMethodValidationException e,
            HttpHeaders headers, HttpStatusCode status, WebRequest request) {
        List<FieldProblem> errors = e.getParameterValidationResults().stream()
                .flatMap(result -> result.getResolvableErrors().stream()
                        .map(error -> new FieldProblem(result.getMethodParameter().getParameterName(),
                                error.getDefaultMessage())))
                .toList();
        return cast(badRequest(Problems.VALIDATION, "Invalid input", errors, servlet(request)));
    }

    @Override
    protected ResponseEntity<Object> handleHttpMessageNotReadable(HttpMessageNotReadableException e,
            HttpHeaders headers, HttpStatusCode status, WebRequest request) {
        return cast(badRequest(Problems.MALFORMED, "Malformed request", List.of(describe(e)), servlet(request)));
    }

    /** Spring's own MVC exceptions (404, 405, 415, missing parameters...) get our instance and type too. */
    @Override
    protected ResponseEntity<Object> createResponseEntity(Object body, HttpHeaders headers,
            HttpStatusCode statusCode, WebRequest request) {
        if (body instanceof ProblemDetail problem) {
            problem.setInstance(URI.create(servlet(request).getRequestURI()));
            if (problem.getType() == null || "about:blank".equals(problem.getType().toString())) {
                problem.setType(Problems.type(HttpStatus.valueOf(statusCode.value()).name()
                        .toLowerCase().replace('_', '-')));
            }
        }
        return super.createResponseEntity(body, headers, statusCode, request);
    }

    /**
     * Turns a JSON binding failure into the field it happened at and a reason a person can act on, in
     * JSON's terms ("expected a string, got an object"): the client wrote JSON, not Java, so Jackson's
     * messages naming Java types are never passed on.
     */
    private static FieldProblem describe(HttpMessageNotReadableException e) {
        // The outermost Jackson exception knows the path; the most specific cause may be a record's own
        // IllegalArgumentException inside it.
        Throwable cause = e.getCause();
        while (cause != null && !(cause instanceof JacksonException) && cause.getCause() != cause) {
            cause = cause.getCause();
        }
        if (cause instanceof JacksonException jackson) {
            String field = jackson.getPath().isEmpty() ? "body" : jackson.getPath().stream()
                    .map(ref -> ref.getPropertyName() != null ? ref.getPropertyName() : "[" + ref.getIndex() + "]")
                    .collect(Collectors.joining(".")).replace(".[", "[");
            return new FieldProblem(field, reason(jackson));
        }
        if (e.getMessage() != null && e.getMessage().startsWith("Required request body is missing")) {
            return new FieldProblem("body", "is missing; send a JSON object");
        }
        return new FieldProblem("body", "is not valid JSON");
    }

    private static String reason(JacksonException jackson) {
        if (jackson instanceof UnrecognizedPropertyException) {
            return "unknown field";
        }
        if (jackson instanceof NulCharacterException) {
            return jackson.getOriginalMessage();
        }
        if (jackson instanceof InvalidFormatException invalid && invalid.getTargetType() != null) {
            if (invalid.getTargetType().isEnum()) {
                return "'" + invalid.getValue() + "' is not one of " + enumValues(invalid.getTargetType());
            }
            return "expected " + expected(invalid.getTargetType()) + ", got '" + invalid.getValue() + "'";
        }
        if (jackson instanceof ValueInstantiationException && jackson.getCause() != null
                && jackson.getCause().getMessage() != null) {
            // A record's own check refused the value; its message is written for the client.
            return jackson.getCause().getMessage();
        }
        if (jackson instanceof MismatchedInputException mismatch && mismatch.getTargetType() != null) {
            String got = got(mismatch.getCurrentToken());
            return "expected " + expected(mismatch.getTargetType()) + (got == null ? "" : ", got " + got);
        }
        if (jackson instanceof StreamReadException) {
            return "is not valid JSON: " + withoutJavaNames(jackson.getOriginalMessage());
        }
        return withoutJavaNames(jackson.getOriginalMessage());
    }

    /** What a value of this type looks like in JSON. */
    private static String expected(Class<?> type) {
        if (type == null) {
            return "a different value";
        }
        if (type == String.class || type == char.class || type == Character.class) {
            return "a string";
        }
        if (type == java.util.UUID.class) {
            return "a UUID string";
        }
        if (type == int.class || type == long.class || type == short.class || type == byte.class
                || type == Integer.class || type == Long.class || type == Short.class || type == Byte.class
                || type == java.math.BigInteger.class) {
            return "an integer";
        }
        if (type == double.class || type == float.class || Number.class.isAssignableFrom(type)) {
            return "a number";
        }
        if (type == boolean.class || type == Boolean.class) {
            return "true or false";
        }
        if (type.isEnum()) {
            return "one of " + enumValues(type);
        }
        if (type.isArray() || java.util.Collection.class.isAssignableFrom(type)) {
            return "an array";
        }
        if (java.time.temporal.Temporal.class.isAssignableFrom(type)) {
            return "an ISO-8601 timestamp string";
        }
        if (tools.jackson.databind.JsonNode.class.isAssignableFrom(type)) {
            return "a JSON value";
        }
        return "an object";
    }

    private static String got(JsonToken token) {
        if (token == null) {
            return null;
        }
        return switch (token) {
            case START_OBJECT, END_OBJECT, PROPERTY_NAME -> "an object";
            case START_ARRAY, END_ARRAY -> "an array";
            case VALUE_STRING -> "a string";
            case VALUE_NUMBER_INT -> "an integer";
            case VALUE_NUMBER_FLOAT -> "a number";
            case VALUE_TRUE, VALUE_FALSE -> "a boolean";
            case VALUE_NULL -> "null";
            default -> null;
        };
    }

    /** Jackson quotes Java types in backticks (`java.lang.String`); a client never needs to see them. */
    private static String withoutJavaNames(String message) {
        if (message == null) {
            return "is invalid";
        }
        return message.replaceAll("`[a-zA-Z_$][\\w.$<>\\[\\], ]*`", "a value").replaceAll("(?s)\\s*\\n.*", "");
    }

    private static String enumValues(Class<?> type) {
        return Arrays.stream(type.getEnumConstants())
                .map(constant -> {
                    try {
                        var annotation = type.getField(((Enum<?>) constant).name())
                                .getAnnotation(com.fasterxml.jackson.annotation.JsonProperty.class);
                        return annotation != null ? annotation.value() : ((Enum<?>) constant).name();
                    } catch (NoSuchFieldException ex) {
                        return ((Enum<?>) constant).name();
                    }
                })
                .collect(Collectors.joining(", ", "[", "]"));
    }

    private static ResponseEntity<ProblemDetail> badRequest(String kind, String title, List<FieldProblem> errors,
            HttpServletRequest request) {
        String detail = errors.stream().map(error -> error.field() + ": " + error.reason())
                .collect(Collectors.joining("; "));
        ProblemDetail problem = problem(HttpStatus.BAD_REQUEST, Problems.type(kind), title, detail, errors, request);
        return ResponseEntity.badRequest().body(problem);
    }

    private static ProblemDetail problem(HttpStatus status, URI type, String title, String detail,
            List<FieldProblem> errors, HttpServletRequest request) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, detail);
        problem.setType(type);
        problem.setTitle(title);
        problem.setInstance(URI.create(request.getRequestURI()));
        if (!errors.isEmpty()) {
            problem.setProperty("errors", errors.stream()
                    .map(error -> Map.of("field", error.field(), "reason", String.valueOf(error.reason())))
                    .toList());
        }
        return problem;
    }

    private static HttpServletRequest servlet(WebRequest request) {
        return ((ServletWebRequest) request).getRequest();
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static ResponseEntity<Object> cast(ResponseEntity<ProblemDetail> entity) {
        return (ResponseEntity) entity;
    }
}
