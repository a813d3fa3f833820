package dev.segplatform.experiment.problem;

import java.io.IOException;
import java.io.Writer;
import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.valves.ErrorReportValve;
import org.apache.tomcat.util.http.fileupload.impl.SizeException;

/**
 * Tomcat answers some requests itself before any controller runs: URIs with an encoded NUL or
 * slash-dot-dot, bad request lines. This valve makes those answers problem details too, so a client
 * sees one error format whatever layer refused it.
 */
public class ContainerProblemValve extends ErrorReportValve {

    @Override
    protected void report(Request request, Response response, Throwable throwable) {
        int status = response.getStatus();
        if (status < 400 || response.getContentWritten() > 0 || !response.setErrorReported()) {
            return;
        }
        String title = switch (status) {
            case 400 -> "Bad request";
            case 404 -> "Not found";
            case 413 -> "Payload too large";
            default -> "Error";
        };
        String detail = throwable instanceof SizeException ? "request too large"
                : "the request was refused before it reached the API (for example an encoded NUL or a "
                + "'..' above the root in the path)";
        try {
            response.setContentType("application/problem+json");
            response.setCharacterEncoding("UTF-8");
            Writer writer = response.getReporter();
            if (writer != null) {
                writer.write("{\"type\":\"" + ProblemTypes.of("container") + "\",\"title\":\"" + title
                        + "\",\"status\":" + status + ",\"detail\":\"" + detail + "\"}");
                response.finishResponse();
            }
        } catch (IOException | IllegalStateException e) {
            // The client is gone or the response was committed meanwhile; nothing left to tell it.
        }
    }
}
