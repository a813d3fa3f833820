package dev.segplatform.experiment.run;

import dev.segplatform.experiment.api.RunSpec;
import java.util.LinkedHashMap;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Flattens a spec into params named by their JSON path ({@code learningRate}, {@code dataset.type}),
 * so params use the same names as the spec a user sent and search can filter on them.
 */
final class RunParams {

    private RunParams() {
    }

    static Map<String, String> of(RunSpec spec, JsonMapper json) {
        Map<String, String> params = new LinkedHashMap<>();
        flatten("", json.valueToTree(spec), params);
        return params;
    }

    private static void flatten(String prefix, JsonNode node, Map<String, String> into) {
        if (node.isObject()) {
            node.properties().forEach(field -> flatten(prefix + field.getKey() + ".", field.getValue(), into));
        } else if (!node.isNull() && !node.isMissingNode()) {
            String key = prefix.substring(0, prefix.length() - 1);
            into.put(key, node.isValueNode() ? node.asString() : node.toString());
        }
    }
}
