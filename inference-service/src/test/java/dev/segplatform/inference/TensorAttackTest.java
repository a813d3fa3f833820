package dev.segplatform.inference;

import static org.assertj.core.api.Assertions.assertThat;

import dev.segplatform.inference.Http.Reply;
import java.util.Collections;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * KServe requests of a few bytes that declare gigabytes (or more than a long can count), or hold
 * values no FP32 model can take: each is a 400 naming the field, refused before anything is sized
 * from the declaration, so the heap stays flat, and the service answers normally afterwards.
 */
@Tag("reliability")
class TensorAttackTest extends ServiceTest {

    private static final String INFER = "/v2/models/segmentation/infer";
    private static final long FLAT = 64L << 20;

    @Test
    void declaredShapesThatDoNotMatchTheDataAreRefusedWithoutAllocatingThem() {
        // 540 million values declared, 3 sent: once an OutOfMemoryError.
        refused(tensor("[5,3,6000,6000]", "[0,0,0]"), "inputs[0].data", "has 3 values; the shape needs 540000000");
        // 1.7 GB allocated before its 400, once.
        refused(tensor("[4,3,6000,6000]", "[0,0,0]"), "inputs[0].data", "the shape needs 432000000");
        // 3.8 billion values: once a NegativeArraySizeException (500).
        refused(tensor("[32,3,6324,6324]", "[0.5]"), "inputs[0].data", "the shape needs 3839325696");
        // Channels last, the same.
        refused(tensor("[4,6000,6000,3]", "[0,0,0]"), "inputs[0].data", "the shape needs 432000000");
        assertServing();
    }

    @Test
    void shapesBeyondTheLimitsOrACountAreRefused() {
        refused(tensor("[1,3,-5,2]", "[0]"), "inputs[0].shape", "positive integers");
        refused(tensor("[0,3,2,2]", "[]"), "inputs[0].shape", "positive integers");
        refused(tensor("[1,3,2.5,2]", "[0]"), "inputs[0].shape", "positive integers");
        refused(tensor("[1,3,99999999999999999999,1]", "[0]"), "inputs[0].shape", "positive integers");
        refused(tensor("[1,3,9223372036854775807,9223372036854775807]", "[0]"), "inputs[0].shape", "overflows");
        refused(tensor("[1,3,7000,7000]", "[0]"), "inputs[0].shape", "more than the allowed 40000000 pixels");
        refused(tensor("[33,3,1,1]", "[0]"), "inputs[0].shape", "at most 32 images");
        refused(tensor("[1,3,2]", "[0]"), "inputs[0].shape", "got 3 dimensions");
        // A rank of 200,000 is refused at its fifth entry, not collected.
        String huge = "[" + String.join(",", Collections.nCopies(200_000, "1")) + "]";
        refused(tensor(huge, "[0]"), "inputs[0].shape", "more than 4 dimensions");
        // Nested deeper than the shape's four dimensions.
        refused(tensor("[1,3,1,1]", "[[[[[0]]]],0,0]"), "inputs[0].data", "nested deeper");
        assertServing();
    }

    @Test
    void valuesThatAreNotFiniteFp32AreRefusedByTheirIndex() {
        refused(tensor("[1,3,1,1]", "[0.5,1e39,0.2]"), "inputs[0].data[1]", "finite FP32");
        refused(tensor("[1,3,1,1]", "[0.5,0.1,-1e39]"), "inputs[0].data[2]", "finite FP32");
        refused(tensor("[1,3,1,1]", "[1e400,0.1,0.2]"), "inputs[0].data[0]", "finite FP32");
        refused(tensor("[1,3,1,1]", "[0.5,NaN,0.2]"), "inputs[0].data[1]", "finite FP32");
        refused(tensor("[1,3,1,1]", "[0.5,0.1,Infinity]"), "inputs[0].data[2]", "finite FP32");
        refused(tensor("[1,3,1,1]", "[0.5,\"0.1\",0.2]"), "inputs[0].data[1]", "must be a number");
        // The index is row-major across nesting, as the protocol flattens it.
        StringBuilder data = new StringBuilder("[[");
        for (int i = 0; i < 12; i++) {
            data.append(i == 0 ? "" : ",").append(i == 5 ? "1e39" : "0.5");
        }
        refused(tensor("[1,3,2,2]", data.append("]]").toString()), "inputs[0].data[5]", "finite FP32");
        assertServing();
    }

    @Test
    void binaryTensorsThatDeclareMoreThanTheySendAreRefusedWithoutAllocatingIt() {
        byte[] twelve = new byte[12];
        // 540 million values declared in the shape and in bytes, 12 bytes sent.
        refusedBinary("[5,3,6000,6000]", 2_160_000_000L, twelve, "inputs[0].parameters.binary_data_size",
                "is 2160000000 bytes but 12 bytes follow the JSON header");
        // A header that claims a JSON part longer than the body.
        String json = "{\"inputs\":[{\"name\":\"input\",\"shape\":[1,3,2,2],\"datatype\":\"FP32\","
                + "\"parameters\":{\"binary_data_size\":48}}]}";
        refused(json.getBytes(java.nio.charset.StandardCharsets.UTF_8), "2147483647", "Inference-Header-Content-Length",
                "the body has only");
        refused(json.getBytes(java.nio.charset.StandardCharsets.UTF_8), "99999999999999999999999",
                "Inference-Header-Content-Length", "length in bytes");
        assertServing();
    }

    /**
     * A legitimate large tensor: 6.75 million values in a 25 MB body. Bound to a JSON tree it took
     * 260 MB of old generation (boxed nodes); streamed, the heap holds the body and one float[]
     * (67 MB measured), so the bound of four times the body tells the two apart.
     */
    @Test
    void aLargeValidTensorIsStreamedNotBoxed() {
        int side = 1500;
        int values = 3 * side * side;
        StringBuilder body = new StringBuilder(values * 4 + 200).append("{\"inputs\":[{\"name\":\"input\",\"shape\":[1,3,")
                .append(side).append(',').append(side).append("],\"datatype\":\"FP32\",\"data\":[");
        for (int i = 0; i < values; i++) {
            body.append(i == 0 ? "0.5" : ",0.5");
        }
        byte[] bytes = body.append("]}],\"outputs\":[{\"name\":\"probabilities\"}]}").toString()
                .getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        body = null;
        HeapGrowth growth = HeapGrowth.start();

        Reply reply = http.post(INFER, "application/json", bytes);

        long oldGrowth = growth.oldGeneration();
        System.out.printf("large tensor: %d MB body, old generation peak grew %d MB%n", bytes.length >> 20,
                oldGrowth >> 20);
        assertThat(reply.status()).as(reply.text()).isEqualTo(200);
        assertThat(reply.json().get("outputs").get(0).get("shape").toString()).isEqualTo("[1,3,32,32]");
        assertThat(oldGrowth).as("old generation peak growth").isLessThan(4L * bytes.length);
    }

    /** Posts the body and checks the 400 and that the heap did not grow by the declared size meanwhile. */
    private void refused(String body, String field, String reason) {
        refused(body.getBytes(java.nio.charset.StandardCharsets.UTF_8), null, field, reason);
    }

    private void refusedBinary(String shape, long binarySize, byte[] binary, String field, String reason) {
        byte[] json = ("{\"inputs\":[{\"name\":\"input\",\"shape\":" + shape + ",\"datatype\":\"FP32\","
                + "\"parameters\":{\"binary_data_size\":" + binarySize + "}}]}").getBytes(java.nio.charset.StandardCharsets.UTF_8);
        byte[] body = java.util.Arrays.copyOf(json, json.length + binary.length);
        System.arraycopy(binary, 0, body, json.length, binary.length);
        refused(body, Integer.toString(json.length), field, reason);
    }

    /** {@code headerLength} null posts JSON; otherwise a binary request with that header. */
    private void refused(byte[] body, String headerLength, String field, String reason) {
        HeapGrowth growth = HeapGrowth.start();

        Reply reply = headerLength == null ? http.post(INFER, "application/json", body)
                : http.post(INFER, "application/octet-stream", body, "Inference-Header-Content-Length", headerLength);

        long oldGrowth = growth.oldGeneration();
        long usedGrowth = growth.inUse();
        assertThat(reply.status()).as(reply.text()).isEqualTo(400);
        assertThat(reply.header("Content-Type")).startsWith("application/problem+json");
        JsonNode problem = reply.json();
        assertThat(problem.get("type").asString()).isEqualTo("urn:segplatform:problem:validation");
        assertThat(problem.get("errors").get(0).get("field").asString()).isEqualTo(field);
        assertThat(problem.get("errors").get(0).get("reason").asString()).contains(reason);
        assertThat(problem.get("error").asString()).startsWith(field + ": ");
        assertThat(oldGrowth).as("old generation peak growth for " + field + " " + reason).isLessThan(FLAT);
        assertThat(usedGrowth).as("heap growth for " + field + " " + reason).isLessThan(FLAT);
    }

    private static String tensor(String shape, String data) {
        return "{\"inputs\":[{\"name\":\"input\",\"shape\":" + shape + ",\"datatype\":\"FP32\",\"data\":" + data + "}]}";
    }

    private void assertServing() {
        Reply ok = http.postJson(INFER, "{\"inputs\":[{\"name\":\"input\",\"shape\":[1,3,2,2],\"datatype\":\"FP32\","
                + "\"data\":[0,0.1,0.2,0.3,0.4,0.5,0.6,0.7,0.8,0.9,1,1]}],\"outputs\":[{\"name\":\"mask\"}]}");
        assertThat(ok.status()).as(ok.text()).isEqualTo(200);
        assertThat(ok.json().get("outputs").get(0).get("shape").toString()).isEqualTo("[1,2,2]");
        assertThat(http.get("/readyz").status()).isEqualTo(200);
    }
}
