package dev.segplatform.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.segplatform.core.image.ImageDecoder;
import dev.segplatform.core.image.RgbImage;
import dev.segplatform.core.predict.MaskEncoder;
import dev.segplatform.inference.Http.Reply;
import java.awt.Image;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** The KServe v2 protocol, answering with the same classes as {@code /api/segment}. */
class KServeTest extends ServiceTest {

    private static final String INFER = "/v2/models/segmentation/infer";

    @Test
    void healthAndMetadataFollowTheProtocol() {
        assertThat(http.get("/v2").json().get("name").asString()).isEqualTo("segplatform-inference");
        assertThat(http.get("/v2/health/live").status()).isEqualTo(200);
        assertThat(http.get("/v2/health/ready").json().get("ready").asBoolean()).isTrue();
        assertThat(http.get("/v2/models/segmentation/ready").status()).isEqualTo(200);

        JsonNode metadata = http.get("/v2/models/segmentation").json();
        assertThat(metadata.get("name").asString()).isEqualTo("segmentation");
        assertThat(metadata.get("platform").asString()).isEqualTo("deeplearning4j");
        assertThat(metadata.get("inputs").get(0).get("datatype").asString()).isEqualTo("FP32");
        assertThat(metadata.get("inputs").get(0).get("shape").toString()).isEqualTo("[-1,3,-1,-1]");
        assertThat(metadata.get("outputs").get(0).get("name").asString()).isEqualTo("mask");
        assertThat(metadata.get("outputs").get(1).get("shape").toString()).isEqualTo("[-1,3,32,32]");
        assertThat(metadata.get("versions").get(0).asString()).isNotBlank();

        Reply unknown = http.get("/v2/models/other");
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(unknown.json().get("error").asString()).contains("'other' is not served here");
    }

    @Test
    void inferReturnsTheSameClassesAsSegmentInBothLayouts() throws IOException {
        // At the model's input size both paths feed the network exactly the same numbers.
        byte[] png = SegmentApiTest.encode(scaled(TestModels.petImage(TestModels.testPets().get(3)), 32, 32), "png");
        int[] expected = segmentClasses(png, 32, 32);
        RgbImage rgb = ImageDecoder.decode(png);

        JsonNode nchw = infer(tensor(rgb, true), "[1,3,32,32]", "\"outputs\":[{\"name\":\"mask\"}],");
        assertThat(nchw.get("model_name").asString()).isEqualTo("segmentation");
        assertThat(nchw.get("id").asString()).isEqualTo("req-1");
        assertThat(nchw.get("outputs")).hasSize(1);
        JsonNode mask = nchw.get("outputs").get(0);
        assertThat(mask.get("datatype").asString()).isEqualTo("INT32");
        assertThat(mask.get("shape").toString()).isEqualTo("[1,32,32]");
        assertThat(Http.JSON.treeToValue(mask.get("data"), int[].class)).isEqualTo(expected);

        JsonNode nhwc = infer(tensor(rgb, false), "[1,32,32,3]", "");
        assertThat(Http.JSON.treeToValue(nhwc.get("outputs").get(0).get("data"), int[].class)).isEqualTo(expected);
        JsonNode probabilities = nhwc.get("outputs").get(1);
        assertThat(probabilities.get("name").asString()).isEqualTo("probabilities");
        assertThat(probabilities.get("shape").toString()).isEqualTo("[1,3,32,32]");
        assertThat(probabilities.get("data")).hasSize(3 * 32 * 32);
    }

    @Test
    void inferAtTheImagesOwnSizeAgreesWithSegmentOnNearlyEveryPixel() throws IOException {
        byte[] jpeg = TestModels.petImage(TestModels.testPets().get(4));
        RgbImage rgb = ImageDecoder.decode(jpeg);
        int[] expected = segmentClasses(jpeg, rgb.width(), rgb.height());
        JsonNode answer = infer(tensor(rgb, true), "[1,3," + rgb.height() + "," + rgb.width() + "]", "");
        int[] classes = Http.JSON.treeToValue(answer.get("outputs").get(0).get("data"), int[].class);
        double agreement = SegmentApiTest.agreement(classes, expected);
        System.out.printf("KServe at %dx%d vs /api/segment: %.4f of pixels agree%n", rgb.width(), rgb.height(), agreement);
        assertThat(agreement).isGreaterThan(0.97);
    }

    @Test
    void badTensorsAre400WithTheProtocolsErrorField() {
        Reply shape = http.postJson("/v2/models/segmentation/infer",
                "{\"inputs\":[{\"name\":\"input\",\"shape\":[1,4,2,2],\"datatype\":\"FP32\",\"data\":[0]}]}");
        assertThat(shape.status()).isEqualTo(400);
        assertThat(shape.json().get("error").asString()).contains("3 channels");
        assertThat(shape.json().get("errors").get(0).get("field").asString()).isEqualTo("inputs[0].shape");

        Reply count = http.postJson("/v2/models/segmentation/infer",
                "{\"inputs\":[{\"name\":\"input\",\"shape\":[1,3,2,2],\"datatype\":\"FP32\",\"data\":[[0,1],[2]]}]}");
        assertThat(count.status()).isEqualTo(400);
        assertThat(count.json().get("error").asString()).contains("has 3 values; the shape needs 12");

        Reply type = http.postJson("/v2/models/segmentation/infer",
                "{\"inputs\":[{\"name\":\"input\",\"shape\":[1,3,1,1],\"datatype\":\"BYTES\",\"data\":[0,0,0]}]}");
        assertThat(type.status()).isEqualTo(400);
        Reply json = http.postJson("/v2/models/segmentation/infer", "{not json");
        assertThat(json.status()).isEqualTo(400);
        assertThat(json.json().get("type").asString()).isEqualTo("urn:segplatform:problem:validation");
    }

    @Test
    void aBinaryTensorAndItsJsonTwinGiveTheSameMaskAndProbabilities() throws IOException {
        byte[] png = SegmentApiTest.encode(scaled(TestModels.petImage(TestModels.testPets().get(5)), 32, 32), "png");
        RgbImage rgb = ImageDecoder.decode(png);
        int[] expected = segmentClasses(png, 32, 32);
        for (boolean channelsFirst : new boolean[] {true, false}) {
            float[] values = values(rgb, channelsFirst);
            String shape = channelsFirst ? "[1,3,32,32]" : "[1,32,32,3]";
            JsonNode twin = infer(json(values), shape, "");
            int[] jsonMask = Http.JSON.treeToValue(twin.get("outputs").get(0).get("data"), int[].class);
            float[] jsonProbabilities = Http.JSON.treeToValue(twin.get("outputs").get(1).get("data"), float[].class);
            assertThat(jsonMask).isEqualTo(expected);

            // All outputs binary by the request's parameter.
            Binary all = inferBinary("{\"id\":\"bin-1\",\"parameters\":{\"binary_data_output\":true},\"inputs\":[{"
                    + "\"name\":\"input\",\"shape\":" + shape + ",\"datatype\":\"FP32\",\"parameters\":{"
                    + "\"binary_data_size\":" + values.length * 4 + "}}]}", values);
            assertThat(all.header().get("id").asString()).isEqualTo("bin-1");
            JsonNode mask = all.header().get("outputs").get(0);
            assertThat(mask.get("name").asString()).isEqualTo("mask");
            assertThat(mask.get("shape").toString()).isEqualTo("[1,32,32]");
            assertThat(mask.has("data")).isFalse();
            assertThat(mask.get("parameters").get("binary_data_size").asInt()).isEqualTo(32 * 32 * 4);
            JsonNode probabilities = all.header().get("outputs").get(1);
            assertThat(probabilities.get("parameters").get("binary_data_size").asInt()).isEqualTo(3 * 32 * 32 * 4);
            assertThat(all.ints(0, 32 * 32)).isEqualTo(jsonMask);
            assertThat(all.floats(32 * 32 * 4, 3 * 32 * 32)).containsExactly(jsonProbabilities, within(1e-6f));

            // Per output: the mask binary, the probabilities as JSON numbers overriding the request's default.
            Binary mixed = inferBinary("{\"parameters\":{\"binary_data_output\":true},\"inputs\":[{\"name\":\"input\","
                    + "\"shape\":" + shape + ",\"datatype\":\"FP32\",\"parameters\":{\"binary_data_size\":"
                    + values.length * 4 + "}}],\"outputs\":[{\"name\":\"probabilities\",\"parameters\":{\"binary_data\":false}},"
                    + "{\"name\":\"mask\",\"parameters\":{\"binary_data\":true}}]}", values);
            assertThat(Http.JSON.treeToValue(mixed.header().get("outputs").get(0).get("data"), float[].class))
                    .containsExactly(jsonProbabilities, within(1e-6f));
            assertThat(mixed.ints(0, 32 * 32)).isEqualTo(jsonMask);
        }
        // A binary input with a JSON answer: no binary outputs asked for, so plain JSON comes back.
        float[] values = values(rgb, true);
        Reply plain = http.post("/v2/models/segmentation/infer", "application/octet-stream",
                withBinary(inputHeader("[1,3,32,32]", values.length * 4, ",\"outputs\":[{\"name\":\"mask\"}]"), values),
                "Inference-Header-Content-Length", Integer.toString(inputHeader("[1,3,32,32]", values.length * 4,
                        ",\"outputs\":[{\"name\":\"mask\"}]").length));
        assertThat(plain.status()).as(plain.text()).isEqualTo(200);
        assertThat(plain.header("Inference-Header-Content-Length")).isNull();
        assertThat(Http.JSON.treeToValue(plain.json().get("outputs").get(0).get("data"), int[].class)).isEqualTo(expected);
        assertThat(http.get("/v2").json().get("extensions").toString()).contains("binary_tensor_data");
    }

    @Test
    void malformedBinaryRequestsAre400ProblemsNamingTheField() {
        float[] values = new float[12];
        java.util.Arrays.fill(values, 0.5f);
        byte[] header = inputHeader("[1,3,2,2]", 48, "");
        byte[] body = withBinary(header, values);

        binaryRefused(body, Integer.toString(body.length + 1), "Inference-Header-Content-Length",
                "the body has only " + body.length);
        binaryRefused(body, "12abc", "Inference-Header-Content-Length", "length in bytes");
        binaryRefused(body, "0", "Inference-Header-Content-Length", "length in bytes");
        binaryRefused(body, "-5", "Inference-Header-Content-Length", "length in bytes");
        // The header cut inside the JSON: what is left is not a request.
        binaryRefused(body, Integer.toString(header.length - 3), "body", "not an inference request");
        // Declared bytes against the bytes that follow the JSON.
        binaryRefused(withBinary(inputHeader("[1,3,2,2]", 4_000_000_000L, ""), values), null,
                "inputs[0].parameters.binary_data_size", "but 48 bytes follow");
        byte[] shortBody = java.util.Arrays.copyOf(body, body.length - 4);
        binaryRefused(shortBody, Integer.toString(header.length), "inputs[0].parameters.binary_data_size",
                "is 48 bytes but 44 bytes follow the JSON header");
        // Declared bytes that match the body but not the shape.
        binaryRefused(withBinary(inputHeader("[1,3,2,3]", 48, ""), values), null, "inputs[0].parameters.binary_data_size",
                "the shape needs 18 FP32 values, 72 bytes");
        // Shape limits come first, whatever the binary part declares.
        binaryRefused(withBinary(inputHeader("[1,3,7000,7000]", 48, ""), values), null, "inputs[0].shape",
                "more than the allowed");
        // No header: binary data cannot be located.
        Reply noHeader = http.post(INFER, "application/json", header);
        assertThat(noHeader.status()).isEqualTo(400);
        assertThat(noHeader.json().get("errors").get(0).get("field").asString())
                .isEqualTo("inputs[0].parameters.binary_data_size");
        // Bytes that no input claims.
        byte[] jsonInput = ("{\"inputs\":[{\"name\":\"input\",\"shape\":[1,3,1,1],\"datatype\":\"FP32\","
                + "\"data\":[0,0,0]}]}").getBytes(StandardCharsets.UTF_8);
        binaryRefused(withBinary(jsonInput, values), Integer.toString(jsonInput.length), "body", "48 bytes follow");
        // Non-finite values are refused by index, as in JSON.
        float[] nan = values.clone();
        nan[7] = Float.NaN;
        binaryRefused(withBinary(header, nan), null, "inputs[0].data[7]", "finite FP32");
        nan[7] = Float.NEGATIVE_INFINITY;
        binaryRefused(withBinary(header, nan), null, "inputs[0].data[7]", "finite FP32");
        binaryRefused(withBinary(inputHeader("[1,3,2,2]", -48, ""), values), null, "inputs[0].parameters.binary_data_size",
                "non-negative integer");
        byte[] badFlag = ("{\"inputs\":[{\"name\":\"input\",\"shape\":[1,3,1,1],\"datatype\":\"FP32\","
                + "\"data\":[0,0,0]}],\"outputs\":[{\"name\":\"mask\",\"parameters\":{\"binary_data\":\"yes\"}}]}")
                .getBytes(StandardCharsets.UTF_8);
        Reply flag = http.post(INFER, "application/json", badFlag);
        assertThat(flag.status()).isEqualTo(400);
        assertThat(flag.json().get("errors").get(0).get("field").asString())
                .isEqualTo("outputs[0].parameters.binary_data");
    }

    /** A binary answer: its JSON header and the bytes after it. */
    private record Binary(JsonNode header, ByteBuffer data) {

        int[] ints(int offset, int count) {
            int[] out = new int[count];
            data.duplicate().order(ByteOrder.LITTLE_ENDIAN).position(offset).slice().order(ByteOrder.LITTLE_ENDIAN)
                    .asIntBuffer().get(out);
            return out;
        }

        float[] floats(int offset, int count) {
            float[] out = new float[count];
            data.duplicate().order(ByteOrder.LITTLE_ENDIAN).position(offset).slice().order(ByteOrder.LITTLE_ENDIAN)
                    .asFloatBuffer().get(out);
            return out;
        }
    }

    private Binary inferBinary(String json, float[] values) {
        byte[] header = json.getBytes(StandardCharsets.UTF_8);
        Reply reply = http.post(INFER, "application/octet-stream", withBinary(header, values),
                "Inference-Header-Content-Length", Integer.toString(header.length));
        assertThat(reply.status()).as(reply.text()).isEqualTo(200);
        assertThat(reply.header("Content-Type")).startsWith("application/octet-stream");
        int length = Integer.parseInt(reply.header("Inference-Header-Content-Length"));
        JsonNode head = Http.JSON.readTree(java.util.Arrays.copyOf(reply.body(), length));
        return new Binary(head, ByteBuffer.wrap(reply.body(), length, reply.body().length - length).slice());
    }

    /** Posts a binary request (the header length defaults to the JSON's) and checks the 400 problem. */
    private void binaryRefused(byte[] body, String headerLength, String field, String reason) {
        String length = headerLength;
        if (length == null) {
            int end = 0;
            while (body[end] != '\n') {
                end++;
            }
            length = Integer.toString(end + 1);
        }
        Reply reply = http.post(INFER, "application/octet-stream", body, "Inference-Header-Content-Length", length);
        assertThat(reply.status()).as(reply.text()).isEqualTo(400);
        assertThat(reply.header("Content-Type")).startsWith("application/problem+json");
        JsonNode problem = reply.json();
        assertThat(problem.get("type").asString()).isEqualTo("urn:segplatform:problem:validation");
        assertThat(problem.get("errors").get(0).get("field").asString()).isEqualTo(field);
        assertThat(problem.get("errors").get(0).get("reason").asString()).contains(reason);
        assertThat(problem.get("error").asString()).startsWith(field + ": ");
    }

    /** The JSON of one binary input, ending in a newline (whitespace JSON allows) so the tests can find its end. */
    private static byte[] inputHeader(String shape, long binarySize, String extra) {
        return ("{\"inputs\":[{\"name\":\"input\",\"shape\":" + shape + ",\"datatype\":\"FP32\","
                + "\"parameters\":{\"binary_data_size\":" + binarySize + "}}]" + extra + "}\n")
                .getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] withBinary(byte[] header, float[] values) {
        ByteBuffer body = ByteBuffer.allocate(header.length + values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        body.put(header);
        body.asFloatBuffer().put(values);
        return body.array();
    }

    /** RGB values / 255, channels first or last. */
    private static float[] values(RgbImage image, boolean channelsFirst) {
        int w = image.width();
        int h = image.height();
        float[] values = new float[3 * w * h];
        for (int i = 0; i < values.length; i++) {
            int c = channelsFirst ? i / (w * h) : i % 3;
            int p = channelsFirst ? i % (w * h) : i / 3;
            values[i] = image.get(p % w, p / w, c) / 255f;
        }
        return values;
    }

    private static String json(float[] values) {
        StringBuilder json = new StringBuilder("[");
        for (int i = 0; i < values.length; i++) {
            json.append(i == 0 ? "" : ",").append(values[i]);
        }
        return json.append(']').toString();
    }

    private JsonNode infer(String data, String shape, String extra) {
        Reply reply = http.postJson("/v2/models/segmentation/infer", "{\"id\":\"req-1\"," + extra
                + "\"inputs\":[{\"name\":\"input\",\"shape\":" + shape + ",\"datatype\":\"FP32\",\"data\":" + data + "}]}");
        assertThat(reply.status()).as(reply.text()).isEqualTo(200);
        assertThat(reply.header("X-Model-Run-Id")).isEqualTo("trained");
        return reply.json();
    }

    private int[] segmentClasses(byte[] image, int width, int height) {
        Reply reply = http.post("/api/segment?format=json", "image/png", image);
        assertThat(reply.status()).as(reply.text()).isEqualTo(200);
        return MaskEncoder.decodeRle(Http.JSON.treeToValue(reply.json().get("rle"), int[].class), width, height).toArray();
    }

    /** RGB values / 255 as a flat JSON array, channels first or last. */
    private static String tensor(RgbImage image, boolean channelsFirst) {
        StringBuilder json = new StringBuilder("[");
        int w = image.width();
        int h = image.height();
        for (int i = 0; i < 3 * w * h; i++) {
            int c;
            int p;
            if (channelsFirst) {
                c = i / (w * h);
                p = i % (w * h);
            } else {
                c = i % 3;
                p = i / 3;
            }
            json.append(i == 0 ? "" : ",").append(image.get(p % w, p / w, c) / 255f);
        }
        return json.append(']').toString();
    }

    private static BufferedImage scaled(byte[] image, int w, int h) throws IOException {
        BufferedImage source = ImageIO.read(new ByteArrayInputStream(image));
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        out.getGraphics().drawImage(source.getScaledInstance(w, h, Image.SCALE_SMOOTH), 0, 0, null);
        return out;
    }
}
