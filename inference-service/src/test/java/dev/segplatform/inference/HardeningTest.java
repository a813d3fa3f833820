package dev.segplatform.inference;

import static org.assertj.core.api.Assertions.assertThat;

import dev.segplatform.inference.Http.Part;
import dev.segplatform.inference.Http.Reply;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.http.HttpRequest;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Flow;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** Hostile and broken inputs: each gets its status as a problem detail, and the service stays up. */
class HardeningTest extends ServiceTest {

    @Test
    void anUploadOverTheLimitIs413WhetherMultipartRawOrChunked() {
        byte[] big = new byte[MAX_UPLOAD + 100_000];
        new Random(1).nextBytes(big);
        big[0] = (byte) 0x89;

        assertProblem(http.segment("", big), 413, "payload-too-large");
        assertProblem(http.post("/api/segment", "image/png", big), 413, "payload-too-large");
        // No Content-Length: the service counts as it reads and stops after the limit.
        Reply chunked = http.send(HttpRequest.newBuilder(java.net.URI.create("http://localhost:" + port + "/api/segment"))
                .header("Content-Type", "image/png").POST(chunkedBody(big)));
        assertProblem(chunked, 413, "payload-too-large");
        assertStillServing();
    }

    /**
     * A 10,000 x 10,000 PNG (300 MB of pixels) that compresses to a few hundred KB: refused from
     * its header, so the heap never holds its pixels.
     */
    @Test
    void aDecompressionBombIsRefusedFromItsHeaderWithoutAllocatingIt() throws IOException {
        byte[] bomb = pngBomb(10_000, 10_000);
        assertThat(bomb.length).isLessThan(MAX_UPLOAD);
        HeapGrowth growth = HeapGrowth.start();

        Reply reply = http.post("/api/segment", "image/png", bomb);

        long oldGrowth = growth.oldGeneration();
        long usedGrowth = growth.inUse();
        System.out.printf("bomb: old generation peak grew %d MB, heap in use %d MB%n", oldGrowth >> 20, usedGrowth >> 20);
        JsonNode problem = assertProblem(reply, 413, "image-too-large");
        assertThat(problem.get("detail").asString()).contains("10000x10000", "more than the allowed 40000000");
        assertThat(problem.get("errors").get(0).get("field").asString()).isEqualTo("body");
        assertThat(oldGrowth).as("old generation peak growth").isLessThan(100L << 20);
        assertThat(usedGrowth).as("heap growth").isLessThan(100L << 20);
        assertStillServing();
    }

    @Test
    void contentThatIsNotADecodableImageIs415Or400() throws IOException {
        byte[] text = "this is not an image".getBytes(StandardCharsets.UTF_8);
        assertProblem(http.segment("", text), 415, "unsupported-image");
        assertProblem(http.post("/api/segment", "image/png", text), 415, "unsupported-image");

        byte[] png = SegmentApiTest.encode(javax.imageio.ImageIO.read(new java.io.ByteArrayInputStream(
                TestModels.petImage(TestModels.testPets().get(0)))), "png");
        byte[] truncated = Arrays.copyOf(png, 200);
        JsonNode problem = assertProblem(http.post("/api/segment", "image/png", truncated), 400, "unreadable-image");
        assertThat(problem.get("detail").asString()).startsWith("body: cannot decode the image");

        byte[] jpegHeaderOnly = {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, (byte) 0xE0, 0, 16, 'J', 'F', 'I', 'F', 0};
        assertProblem(http.post("/api/segment", "image/jpeg", jpegHeaderOnly), 400, "unreadable-image");
        assertStillServing();
    }

    @Test
    void wrongRequestsAreProblemDetailsToo() {
        byte[] image = TestModels.petImage(TestModels.testPets().get(0));
        assertProblem(http.post("/api/segment", "text/plain", image), 415, "unsupported-media-type");
        JsonNode missing = assertProblem(http.multipart("/api/segment",
                List.of(new Part("picture", "pet.jpg", "image/jpeg", image))), 400, "bad-request");
        assertThat(missing.get("detail").asString()).contains("image");
        assertProblem(http.segment("?format=gif", image), 400, "validation");
        // Tomcat finds no part in a body without the boundary, so this is the missing part again.
        assertProblem(http.post("/api/segment", "multipart/form-data; boundary=x", "garbage".getBytes(StandardCharsets.UTF_8)),
                400, "bad-request");
        Reply batch = http.multipart("/api/segment/batch", List.of(new Part("images", "a.jpg", "image/jpeg", image),
                new Part("images", "b.txt", "text/plain", "nope".getBytes(StandardCharsets.UTF_8))));
        JsonNode problem = assertProblem(batch, 415, "unsupported-image");
        assertThat(problem.get("errors").get(0).get("field").asString()).isEqualTo("images[1]");
        assertStillServing();
    }

    private JsonNode assertProblem(Reply reply, int status, String kind) {
        assertThat(reply.status()).as(reply.text()).isEqualTo(status);
        assertThat(reply.header("Content-Type")).startsWith("application/problem+json");
        JsonNode problem = reply.json();
        assertThat(problem.get("type").asString()).isEqualTo("urn:segplatform:problem:" + kind);
        assertThat(problem.get("status").asInt()).isEqualTo(status);
        assertThat(problem.get("instance").asString()).startsWith("/api/segment");
        return problem;
    }

    private void assertStillServing() {
        assertThat(http.get("/livez").status()).isEqualTo(200);
        assertThat(http.get("/readyz").status()).isEqualTo(200);
        assertThat(http.segment("", TestModels.petImage(TestModels.testPets().get(0))).status()).isEqualTo(200);
    }

    /** A real PNG: IHDR, one IDAT with every (zero) row deflated, IEND. */
    static byte[] pngBomb(int width, int height) throws IOException {
        ByteArrayOutputStream idat = new ByteArrayOutputStream();
        try (OutputStream z = new DeflaterOutputStream(idat, new Deflater(Deflater.BEST_COMPRESSION), 1 << 16)) {
            byte[] row = new byte[1 + width * 3];
            for (int y = 0; y < height; y++) {
                z.write(row);
            }
        }
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        png.write(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'});
        ByteBuffer ihdr = ByteBuffer.allocate(13).putInt(width).putInt(height).put((byte) 8).put((byte) 2)
                .put((byte) 0).put((byte) 0).put((byte) 0);
        chunk(png, "IHDR", ihdr.array());
        chunk(png, "IDAT", idat.toByteArray());
        chunk(png, "IEND", new byte[0]);
        return png.toByteArray();
    }

    private static void chunk(ByteArrayOutputStream out, String type, byte[] data) {
        byte[] typeBytes = type.getBytes(StandardCharsets.US_ASCII);
        out.writeBytes(ByteBuffer.allocate(4).putInt(data.length).array());
        out.writeBytes(typeBytes);
        out.writeBytes(data);
        CRC32 crc = new CRC32();
        crc.update(typeBytes);
        crc.update(data);
        out.writeBytes(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
    }

    /** A body publisher of unknown length, so the request goes out chunked. */
    private static HttpRequest.BodyPublisher chunkedBody(byte[] bytes) {
        HttpRequest.BodyPublisher known = HttpRequest.BodyPublishers.ofByteArray(bytes);
        return new HttpRequest.BodyPublisher() {
            @Override
            public long contentLength() {
                return -1;
            }

            @Override
            public void subscribe(Flow.Subscriber<? super ByteBuffer> subscriber) {
                known.subscribe(subscriber);
            }
        };
    }
}
