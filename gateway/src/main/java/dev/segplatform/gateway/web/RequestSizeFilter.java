package dev.segplatform.gateway.web;

import dev.segplatform.gateway.GatewayProperties;
import dev.segplatform.gateway.access.RouteFamily;
import dev.segplatform.gateway.problem.Problems;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.regex.Pattern;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Refuses request bodies over their route's limit: at once when Content-Length says so, and while
 * streaming when the body is chunked, so the limit holds either way. Limits differ by route because
 * the bodies do: tracking JSON is small, images and tensors larger, model artifacts can be gigabytes
 * (they stream through and are never held in memory here).
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 10)
public class RequestSizeFilter extends OncePerRequestFilter {

    /** {@code PUT /api/runs/{id}/artifacts/{path}}: the experiment service's artifact upload. */
    private static final Pattern ARTIFACT_UPLOAD = Pattern.compile("/api/runs/[^/]+/artifacts/.+");
    /** {@code PUT /api/2.0/mlflow-artifacts/artifacts/{path}}: MLflow's artifact proxy, onto the same store. */
    private static final Pattern MLFLOW_ARTIFACT_UPLOAD = Pattern.compile("/api/2\\.0/mlflow-artifacts/artifacts/.+");

    private final GatewayProperties properties;
    private final Problems problems;

    RequestSizeFilter(GatewayProperties properties, Problems problems) {
        this.properties = properties;
        this.problems = problems;
    }

    /** The body limit of this request's route, in bytes. */
    long limitOf(HttpServletRequest request) {
        String path = request.getRequestURI();
        if (request.getMethod().equals("PUT") && (ARTIFACT_UPLOAD.matcher(path).matches()
                || MLFLOW_ARTIFACT_UPLOAD.matcher(path).matches())) {
            return properties.maxArtifactSize().toBytes();
        }
        if (RouteFamily.of(path) == RouteFamily.SEGMENTATION) {
            return properties.maxSegmentRequestSize().toBytes();
        }
        return properties.maxRequestSize().toBytes();
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        long limit = limitOf(request);
        if (request.getContentLengthLong() > limit) {
            problems.write(request, response, HttpStatus.CONTENT_TOO_LARGE, "payload-too-large", "Payload too large",
                    "request bodies on this route are limited to " + limit + " bytes");
            return;
        }
        chain.doFilter(new Limited(request, limit), response);
    }

    /** Thrown while streaming a body that turns out larger than the limit. */
    public static final class TooLargeException extends IOException {
        TooLargeException(long limit) {
            super("request body exceeds " + limit + " bytes");
        }
    }

    private static final class Limited extends HttpServletRequestWrapper {
        private final long limit;
        private ServletInputStream stream;

        Limited(HttpServletRequest request, long limit) {
            super(request);
            this.limit = limit;
        }

        @Override
        public ServletInputStream getInputStream() throws IOException {
            if (stream == null) {
                ServletInputStream in = super.getInputStream();
                stream = new ServletInputStream() {
                    private long read;

                    @Override
                    public int read() throws IOException {
                        int b = in.read();
                        count(b < 0 ? 0 : 1);
                        return b;
                    }

                    @Override
                    public int read(byte[] buffer, int offset, int length) throws IOException {
                        int n = in.read(buffer, offset, length);
                        count(Math.max(n, 0));
                        return n;
                    }

                    private void count(int n) throws IOException {
                        read += n;
                        if (read > limit) {
                            throw new TooLargeException(limit);
                        }
                    }

                    @Override
                    public boolean isFinished() {
                        return in.isFinished();
                    }

                    @Override
                    public boolean isReady() {
                        return in.isReady();
                    }

                    @Override
                    public void setReadListener(ReadListener listener) {
                        in.setReadListener(listener);
                    }
                };
            }
            return stream;
        }
    }
}
