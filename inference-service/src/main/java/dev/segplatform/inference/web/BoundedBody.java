package dev.segplatform.inference.web;

import dev.segplatform.inference.problem.PayloadTooLargeException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * Reads a request body that may not exceed a limit: refused from its {@code Content-Length} before
 * reading anything when it says too much, and cut off after {@code limit + 1} bytes when it lies or
 * is chunked, so a client cannot make the service buffer more than the limit.
 */
public final class BoundedBody {

    private BoundedBody() {
    }

    /**
     * @param contentLength the declared length, or -1 when unknown
     * @throws PayloadTooLargeException beyond {@code limit} bytes
     */
    public static byte[] read(InputStream in, long contentLength, long limit, String field) throws IOException {
        if (contentLength > limit) {
            throw new PayloadTooLargeException(field, limit);
        }
        if (contentLength >= 0) {
            // Declared and within the limit: read into an array of exactly that size, not a growing
            // buffer copied at the end, which would hold the body twice. The container ends the
            // stream at Content-Length, so a longer body cannot overrun it.
            byte[] body = new byte[(int) contentLength];
            int read = in.readNBytes(body, 0, body.length);
            return read == body.length ? body : java.util.Arrays.copyOf(body, read);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(8192);
        byte[] buffer = new byte[64 * 1024];
        long total = 0;
        for (int n; (n = in.read(buffer)) != -1; ) {
            total += n;
            if (total > limit) {
                throw new PayloadTooLargeException(field, limit);
            }
            out.write(buffer, 0, n);
        }
        return out.toByteArray();
    }
}
