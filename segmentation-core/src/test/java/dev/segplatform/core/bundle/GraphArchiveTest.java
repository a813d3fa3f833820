package dev.segplatform.core.bundle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.junit.jupiter.api.Test;

class GraphArchiveTest {

    @Test
    void everyRenamedClassNamesAClassThatExistsUnderItsNewName() {
        GraphArchive.RENAMED.forEach((old, current) -> {
            assertThatCode(() -> Class.forName(current)).as(old + " -> " + current).doesNotThrowAnyException();
            assertThat(current).isNotEqualTo(old);
        });
    }

    @Test
    void onlyClassPropertiesAreRewritten() {
        String json = "{\"@class\" : \"dev.segplatform.core.model.PhaseShuffle\", \"layerName\" : "
                + "\"dev.segplatform.core.model.PhaseShuffle\", \"lossFn\" : {\"@class\":\"dev.segplatform.core.model.PixelMeanLoss\"},"
                + " \"other\" : {\"@class\" : \"org.deeplearning4j.nn.conf.graph.LayerVertex\"}}";

        assertThat(GraphArchive.renamed(json)).isEqualTo("{\"@class\" : \"dev.segplatform.core.model.layer.legacy.PhaseShuffle\","
                + " \"layerName\" : \"dev.segplatform.core.model.PhaseShuffle\", \"lossFn\" : "
                + "{\"@class\":\"dev.segplatform.core.model.layer.PixelMeanLoss\"},"
                + " \"other\" : {\"@class\" : \"org.deeplearning4j.nn.conf.graph.LayerVertex\"}}");
    }

    @Test
    void anOldGraphIsRewrittenAndANewOneLeftAsItIs() throws IOException {
        byte[] old = modelEntry("/bundles/unet.zip");
        String oldConfiguration = configuration(old);
        byte[] current = GraphArchive.withCurrentClassNames(old);

        assertThat(oldConfiguration).contains("\"dev.segplatform.core.model.FastConvolution\"");
        assertThat(configuration(current)).contains("\"dev.segplatform.core.model.layer.FastConvolution\"")
                .doesNotContain("\"dev.segplatform.core.model.FastConvolution\"");

        ByteArrayOutputStream written = new ByteArrayOutputStream();
        GraphArchive.write(GraphArchive.read(new ByteArrayInputStream(old)), written);
        byte[] now = written.toByteArray();
        assertThat(GraphArchive.withCurrentClassNames(now)).isSameAs(now);
    }

    private static byte[] modelEntry(String bundle) throws IOException {
        try (InputStream in = GraphArchiveTest.class.getResourceAsStream(bundle)) {
            return entry(in.readAllBytes(), ModelBundle.MODEL_ENTRY);
        }
    }

    private static String configuration(byte[] modelZip) throws IOException {
        return new String(entry(modelZip, GraphArchive.CONFIGURATION_ENTRY), StandardCharsets.UTF_8);
    }

    private static byte[] entry(byte[] zip, String name) throws IOException {
        try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(zip))) {
            for (ZipEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
                if (e.getName().equals(name)) {
                    return in.readAllBytes();
                }
            }
        }
        throw new AssertionError(name + " missing");
    }
}
