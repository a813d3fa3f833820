package dev.segplatform.web;

import java.io.IOException;
import java.io.Writer;
import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.valves.ErrorReportValve;
import org.apache.tomcat.util.http.fileupload.impl.SizeException;

/**
 * Tomcat refuses some requests before any filter or controller runs: an encoded slash, backslash
 * or NUL in the path, a malformed request line, a request line or headers over the connector's
 * limit. Its own answer is an HTML page; this valve writes a problem detail instead, so a client
 * parses one error format whatever layer said no. The JSON is built by hand: the request may be
 * refused before the application context is reachable from here.
 */
public class ContainerProblemValve extends ErrorReportValve {

    @Override
    protected void report(Request request, Response response, Throwable throwable) {
        int status = response.getStatus();
        if (status < 400 || response.getContentWritten() > 0 || !response.setErrorReported()) {
            return;
        }
        String detail = throwable instanceof SizeException ? "the request is larger than allowed"
                : status == 405 ? "the method " + request.getMethod() + " is not allowed here"
                : "the server refused the request before it reached the API (an encoded '/', '\\' or NUL in the "
                + "path, a malformed request line, or a request line or headers over 8 KB)"
                // Tomcat's own words say which rule (its messages name the rule, not the client's bytes).
                + (throwable instanceof IllegalArgumentException && throwable.getMessage() != null
                        ? ": " + throwable.getMessage() : "");
        StringBuilder json = new StringBuilder(256)
                .append("{\"type\":").append(quote(Problems.type(status).toString()))
                .append(",\"title\":").append(quote(Problems.title(status)))
                .append(",\"status\":").append(status)
                .append(",\"detail\":").append(quote(detail));
        String uri = request.getRequestURI();
        if (uri != null) {
            json.append(",\"instance\":").append(quote(uri));
            if (Problems.isKServe(uri)) {
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
