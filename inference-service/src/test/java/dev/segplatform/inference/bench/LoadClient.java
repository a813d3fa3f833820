package dev.segplatform.inference.bench;

import com.sun.management.OperatingSystemMXBean;
import java.io.BufferedReader;
import java.io.EOFException;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The load generator of {@code bin/bench serving}, run as its own process, as Triton's
 * perf_analyzer and wrk are: in the service's JVM its threads, allocations and compilations would
 * be charged to the service. Each client is one thread on one keep-alive HTTP/1.1 connection that
 * writes a prepared request and reads the whole answer, back to back, so a request costs the
 * client a write, a read and a header scan.
 *
 * <p>It reads commands from stdin, one per line, and answers each with one line on stdout:
 * {@code load PORT REQUEST_FILE CONCURRENCY SECONDS} answers {@code ok ERRORS CPU_SECONDS
 * ELAPSED_SECONDS LATENCY_NS...}; the request file holds the complete request (head and body).
 * {@code quit} ends it.
 */
public final class LoadClient {

    private LoadClient() {
    }

    public static void main(String[] args) throws Exception {
        // The answers go to the real stdout; anything a library prints goes to stderr instead.
        PrintStream answers = new PrintStream(new FileOutputStream(FileDescriptor.out), true,
                StandardCharsets.US_ASCII);
        System.setOut(System.err);
        BufferedReader commands = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.US_ASCII));
        for (String line; (line = commands.readLine()) != null && !line.equals("quit"); ) {
            String[] w = line.split(" ");
            answers.println(load(Integer.parseInt(w[1]), Files.readAllBytes(Path.of(w[2])), Integer.parseInt(w[3]),
                    Double.parseDouble(w[4])));
        }
    }

    /** {@code concurrency} connections sending {@code request} back to back for {@code seconds}. */
    private static String load(int port, byte[] request, int concurrency, double seconds) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(concurrency);
        long cpuBefore = cpuNanos();
        long start = System.nanoTime();
        long end = start + (long) (seconds * 1e9);
        List<Future<long[]>> futures = new ArrayList<>();
        for (int c = 0; c < concurrency; c++) {
            futures.add(pool.submit(() -> client(port, request, end)));
        }
        StringBuilder latencies = new StringBuilder();
        long errors = 0;
        for (Future<long[]> f : futures) {
            long[] result = f.get();
            errors += result[0];
            for (int i = 1; i < result.length; i++) {
                latencies.append(' ').append(result[i]);
            }
        }
        double elapsed = (System.nanoTime() - start) / 1e9;
        pool.shutdown();
        return String.format("ok %d %.6f %.6f%s", errors, (cpuNanos() - cpuBefore) / 1e9, elapsed, latencies);
    }

    /** One client: {errors, latency ns of each answered request...}. */
    private static long[] client(int port, byte[] request, long end) throws IOException {
        long[] out = new long[1024];
        int n = 1;
        Connection connection = null;
        while (System.nanoTime() < end) {
            if (connection == null) {
                connection = new Connection(port);
            }
            long t = System.nanoTime();
            int status;
            try {
                status = connection.exchange(request);
            } catch (IOException e) {
                // A refused or broken connection is an error of that request; the next one reconnects.
                status = -1;
                connection.closing = true;
            }
            if (n == out.length) {
                out = Arrays.copyOf(out, n * 2);
            }
            out[n++] = System.nanoTime() - t;
            if (status != 200) {
                out[0]++;
            }
            if (connection.closing) {
                connection.close();
                connection = null;
            }
        }
        if (connection != null) {
            connection.close();
        }
        return Arrays.copyOf(out, n);
    }

    private static long cpuNanos() {
        return ((OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    /** One keep-alive connection; answers with a Content-Length or chunked body. */
    private static final class Connection implements AutoCloseable {

        private final Socket socket;
        private final OutputStream out;
        private final InputStream in;
        private final byte[] buffer = new byte[1 << 16];
        private int position;
        private int limit;
        /** The server said it closes the connection after this answer (Tomcat does every 100 requests). */
        private boolean closing;

        Connection(int port) throws IOException {
            socket = new Socket();
            socket.setTcpNoDelay(true);
            socket.connect(new InetSocketAddress("localhost", port));
            out = socket.getOutputStream();
            in = socket.getInputStream();
        }

        /** Sends the request, reads the whole answer; its status. */
        int exchange(byte[] request) throws IOException {
            out.write(request);
            out.flush();
            String statusLine = line();
            int status = Integer.parseInt(statusLine.substring(9, 12));
            long length = -1;
            boolean chunked = false;
            for (String header; !(header = line()).isEmpty(); ) {
                int colon = header.indexOf(':');
                String name = header.substring(0, colon).trim();
                String value = header.substring(colon + 1).trim();
                if (name.equalsIgnoreCase("content-length")) {
                    length = Long.parseLong(value);
                } else if (name.equalsIgnoreCase("transfer-encoding") && value.equalsIgnoreCase("chunked")) {
                    chunked = true;
                } else if (name.equalsIgnoreCase("connection") && value.equalsIgnoreCase("close")) {
                    closing = true;
                }
            }
            if (chunked) {
                for (long size; (size = Long.parseLong(line().split(";")[0].trim(), 16)) > 0; ) {
                    skip(size);
                    line();
                }
                while (!line().isEmpty()) {
                    // trailers
                }
            } else if (length >= 0) {
                skip(length);
            } else {
                throw new IOException("an answer without a length: " + statusLine);
            }
            return status;
        }

        private String line() throws IOException {
            StringBuilder s = new StringBuilder();
            while (true) {
                int b = read();
                if (b == '\n') {
                    int end = s.length() > 0 && s.charAt(s.length() - 1) == '\r' ? s.length() - 1 : s.length();
                    return s.substring(0, end);
                }
                s.append((char) b);
            }
        }

        private int read() throws IOException {
            if (position == limit) {
                fill();
            }
            return buffer[position++] & 0xff;
        }

        private void skip(long count) throws IOException {
            while (count > 0) {
                if (position == limit) {
                    fill();
                }
                int step = (int) Math.min(count, limit - position);
                position += step;
                count -= step;
            }
        }

        private void fill() throws IOException {
            limit = in.read(buffer);
            position = 0;
            if (limit < 0) {
                throw new EOFException("the service closed the connection");
            }
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
