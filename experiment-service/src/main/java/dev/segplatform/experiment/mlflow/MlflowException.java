package dev.segplatform.experiment.mlflow;

import org.springframework.http.HttpStatus;

/** A refusal in MLflow's terms: its error code, whose HTTP status MLflow fixes, and a message. */
class MlflowException extends RuntimeException {

    /** MLflow's error codes and the HTTP status its server answers each with. */
    enum Code {
        INVALID_PARAMETER_VALUE(HttpStatus.BAD_REQUEST),
        MALFORMED_REQUEST(HttpStatus.BAD_REQUEST),
        RESOURCE_ALREADY_EXISTS(HttpStatus.BAD_REQUEST),
        RESOURCE_DOES_NOT_EXIST(HttpStatus.NOT_FOUND),
        ENDPOINT_NOT_FOUND(HttpStatus.NOT_FOUND),
        UNAUTHENTICATED(HttpStatus.UNAUTHORIZED),
        PERMISSION_DENIED(HttpStatus.FORBIDDEN),
        TEMPORARILY_UNAVAILABLE(HttpStatus.SERVICE_UNAVAILABLE),
        INTERNAL_ERROR(HttpStatus.INTERNAL_SERVER_ERROR);

        final HttpStatus status;

        Code(HttpStatus status) {
            this.status = status;
        }
    }

    final Code code;

    MlflowException(Code code, String message) {
        super(message);
        this.code = code;
    }

    static MlflowException invalid(String message) {
        return new MlflowException(Code.INVALID_PARAMETER_VALUE, message);
    }

    static MlflowException missing(String parameter) {
        return invalid("Missing value for required parameter '" + parameter + "'");
    }
}
