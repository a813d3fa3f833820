package dev.segplatform.inference.problem;

import dev.segplatform.web.FieldProblem;
import java.util.List;
import org.springframework.http.HttpStatus;

/**
 * A failure the API reports on purpose. Each subclass is one kind of problem with a fixed
 * {@code type} URI ({@code urn:segplatform:problem:<kind>}), so clients branch on the type, not
 * on the text.
 */
public abstract class ApiException extends RuntimeException {

    private final HttpStatus status;
    private final String kind;
    private final String title;
    private final List<FieldProblem> errors;

    protected ApiException(HttpStatus status, String kind, String title, String detail, List<FieldProblem> errors) {
        super(detail);
        this.status = status;
        this.kind = kind;
        this.title = title;
        this.errors = List.copyOf(errors);
    }

    public HttpStatus status() {
        return status;
    }

    public String kind() {
        return kind;
    }

    public String title() {
        return title;
    }

    public List<FieldProblem> errors() {
        return errors;
    }
}
