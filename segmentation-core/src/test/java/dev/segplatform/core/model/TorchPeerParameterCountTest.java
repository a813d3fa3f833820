package dev.segplatform.core.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Keeps the parameter table at the top of the PyTorch peer ({@code src/test/python/torch_peer.py})
 * true: its PyTorch, DL4J-trainable and DL4J {@code numParams()} columns must be what the DL4J
 * graphs have at default widths, 128x128, 3 classes. (ModelBench compares the peer's own count
 * with DL4J's in every run.)
 */
class TorchPeerParameterCountTest {

    private static final Path SCRIPT = Path.of("src", "test", "python", "torch_peer.py");

    @ParameterizedTest
    @EnumSource(Architecture.class)
    void peerScriptStatesTheDl4jCounts(Architecture architecture) throws IOException {
        Matcher row = Pattern.compile("(?m)^\\s+" + architecture.jsonName()
                + "\\s+([\\d,]+)\\s+([\\d,]+)\\s+([\\d,]+) \\(\\+ ([\\d,]+)\\)").matcher(Files.readString(SCRIPT));
        assertThat(row.find()).as("a row for %s in the docstring of %s", architecture.jsonName(), SCRIPT).isTrue();

        ComputationGraph graph = Networks.build(ModelSpec.of(architecture, 128, 3));
        long trainable = 0;
        for (Map.Entry<String, INDArray> e : graph.paramTable().entrySet()) {
            String param = e.getKey().substring(e.getKey().lastIndexOf('_') + 1).toLowerCase(Locale.ROOT);
            // BatchNorm's running mean and variance are DL4J parameters but PyTorch buffers.
            if (!param.equals("mean") && !param.equals("var") && !param.equals("log10stdev")) {
                trainable += e.getValue().length();
            }
        }

        assertThat(number(row.group(1))).as("PyTorch column").isEqualTo(trainable);
        assertThat(number(row.group(2))).as("DL4J trainable column").isEqualTo(trainable);
        assertThat(number(row.group(3))).as("DL4J numParams column").isEqualTo(graph.numParams());
        assertThat(number(row.group(4))).as("BN running stats").isEqualTo(graph.numParams() - trainable);
    }

    private static long number(String withCommas) {
        return Long.parseLong(withCommas.replace(",", ""));
    }
}
