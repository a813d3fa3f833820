package dev.segplatform.core.bundle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

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
}
