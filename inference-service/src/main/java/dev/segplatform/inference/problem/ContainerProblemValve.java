package dev.segplatform.inference.problem;

import java.io.IOException;
import java.io.Writer;
import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.valves.ErrorReportValve;
import org.apache.tomcat.util.http.fileupload.impl.SizeException;
import org.springframework.http.HttpStatus;

/**
 * Tomcat refuses some requests before Spring sees them: an encoded slash, backslash or NUL in the
 * path, a malformed request line, a header section beyond {@code max-http-request-header-size}.
 * Its default answer is an HTML page; this valve writes the service's problem detail instead, so a
 * client parses one error format whatever layer said no. It is built by hand (no Jackson): the
 * request may be refused before the application context is reachable from here.
 */
public class ContainerProblemValve extends ErrorReportValve {

    @Override
    protected void report(Request request, Response response, Throwable throwable) {
        int status = response.getStatus();
        if (status < 400 || response.getContentWritten() > 0 || !response.setErrorReported()) {
            return;
        }
        HttpStatus known = HttpStatus.resolve(status);
        String kind = switch (status) {
            case 400 -> "malformed-request";
            case 413 -> "payload-too-large";
            default -> known == null ? "error" : known.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
        };
        String title = known == null ? "Error" : known.getReasonPhrase();
        String detail = throwable instanceof SizeException ? "the request is larger than allowed"
                : status == 405 ? "the method " + request.getMethod() + " is not allowed here"
                : "the server refused the request before it reached the API (an encoded '/', '\\' or NUL in the "
                + "path, a malformed request line, or headers over the size limit)"
                // Tomcat's own words say which (its messages name the rule, not the client's bytes).
                + (throwable instanceof IllegalArgumentException && throwable.getMessage() != null
                        ? ": " + throwable.getMessage() : "");
        String uri = request.getRequestURI();
        StringBuilder json = new StringBuilder(256).append("{\"type\":").append(quote(ProblemTypes.of(kind).toString()))
                .append(",\"title\":").append(quote(title))
                .append(",\"status\":").append(status)
                .append(",\"detail\":").append(quote(detail));
        if (uri != null) {
            json.append(",\"instance\":").append(quote(uri));
            if (uri.startsWith("/v2")) {
                json.append(",\"error\":").append(quote(detail));
            }
        }
        json.append('}');
        try {
            response.setContentType("application/problem+json");
            response.setCharacterEncoding("UTF-8");
            Writer writer = response.getReporter();
            if (writer != null) {
                writer.write(json.toString());
                response.finishResponse();
            }
        } catch (IOException | IllegalStateException e) {
            // The client left, or the response was committed meanwhile: there is nobody to tell.
        }
    }

    /** A JSON string: the URI is the client's text and may hold quotes, backslashes or control characters. */
    static String quote(String text) {
        StringBuilder out = new StringBuilder(text.length() + 2).append('"');
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '"' || c == '\\') {
                out.append('\\').append(c);
            } else if (c < 0x20 || c == 0x7f || Character.isSurrogate(c)) {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        return out.append('"').toString();
    }
}
