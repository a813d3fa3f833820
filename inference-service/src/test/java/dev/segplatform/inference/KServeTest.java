package dev.segplatform.inference;

import static org.assertj.core.api.Assertions.assertThat;

import dev.segplatform.core.image.ImageDecoder;
import dev.segplatform.core.image.RgbImage;
import dev.segplatform.core.predict.MaskEncoder;
import dev.segplatform.inference.Http.Reply;
import java.awt.Image;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** The KServe v2 protocol, answering with the same classes as {@code /api/segment}. */
class KServeTest extends ServiceTest {

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
