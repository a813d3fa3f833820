package dev.segplatform.web;

import java.io.IOException;
import java.io.Writer;
import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.valves.ErrorReportValve;
import org.apache.tomcat.util.http.fileupload.impl.SizeException;

/**
 * Tomcat answers some requests itself before any filter or controller runs: paths with an encoded
 * NUL, slash or backslash, request lines or headers over the connector's limit, bad request lines.
 * Its own page for those is HTML; this valve makes them problem details, so a client sees one error
 * format whatever layer refused it. It writes JSON by hand because Spring's message converters are
 * not reachable from here.
 */
public class ContainerProblemValve extends ErrorReportValve {

    @Override
    protected void report(Request request, Response response, Throwable throwable) {
        int status = response.getStatus();
        if (status < 400 || response.getContentWritten() > 0 || !response.setErrorReported()) {
            return;
        }
        try {
            response.setContentType("application/problem+json");
            response.setCharacterEncoding("UTF-8");
            Writer writer = response.getReporter();
            if (writer != null) {
                writer.write(body(status, detail(status, throwable)));
                response.finishResponse();
            }
        } catch (IOException | IllegalStateException e) {
            // The client is gone or the response was committed meanwhile; nothing left to tell it.
        }
    }

    static String body(int status, String detail) {
        return "{\"type\":\"urn:segplatform:problem:" + kind(status) + "\",\"title\":\"" + title(status)
                + "\",\"status\":" + status + ",\"detail\":\"" + escape(detail) + "\"}";
    }

    private static String detail(int status, Throwable throwable) {
        if (throwable instanceof SizeException || status == 413) {
            return "the request is too large";
        }
        if (status == 400) {
            // Tomcat's own reasons ("Invalid character found in the request target", "Request header is
            // too large") name what the client sent wrong without echoing it.
            String reason = throwable == null || throwable.getMessage() == null ? "" : " (" + throwable.getMessage() + ")";
            return "the request was refused before it reached the API: an encoded '/', '\\', NUL or '..' in the "
                    + "path, or a request line or headers over 8 KB" + reason;
        }
        if (status == 404) {
            return "no such resource";
        }
        return "the server could not handle this request";
    }

    private static String kind(int status) {
        return switch (status) {
            case 400 -> "malformed-request";
            case 404 -> "not-found";
            case 405 -> "method-not-allowed";
            case 413 -> "payload-too-large";
            default -> status >= 500 ? "internal" : "container";
        };
    }

    private static String title(int status) {
        return switch (status) {
            case 400 -> "Bad request";
            case 404 -> "Not found";
            case 405 -> "Method not allowed";
            case 413 -> "Payload too large";
            default -> status >= 500 ? "Internal error" : "Error";
        };
    }

    private static String escape(String text) {
        StringBuilder out = new StringBuilder(text.length() + 8);
        for (char c : text.toCharArray()) {
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.toString();
    }
}
