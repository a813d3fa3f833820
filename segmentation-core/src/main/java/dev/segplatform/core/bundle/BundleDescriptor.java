package dev.segplatform.core.bundle;

import dev.segplatform.core.model.ModelSpec;
import java.util.List;
import java.util.Map;

/**
 * {@code descriptor.json} of a {@link ModelBundle}: everything inference needs besides the weights.
 *
 * @param formatVersion bundle format; {@link ModelBundle#FORMAT_VERSION} for bundles this build writes
 * @param architecture {@code unet}, {@code pspnet} or {@code icnet} (also inside {@code spec})
 * @param spec the network and optimiser settings the graph was built from
 * @param inputSize square input side in pixels
 * @param classes class names by class index
 * @param normalization how pixels become inputs; {@link ModelBundle#NORMALIZATION} here
 * @param metrics metrics the model reached, e.g. {@code val_mean_iou}
 * @param libraries versions of the libraries that wrote the weights, e.g. {@code deeplearning4j}
 * @param trainingRunId the run that trained the model, or null
 * @param createdAt ISO-8601 instant the bundle was written
 * @param weightsSha256 hex SHA-256 of the {@code model.zip} entry
 * @param epoch the 1-based training epoch whose weights these are (a run keeps its best epoch by
 *     default, not always its last), or null where unknown (bundles written before this was recorded)
 */
public record BundleDescriptor(
        int formatVersion,
        String architecture,
        ModelSpec spec,
        int inputSize,
        List<String> classes,
        String normalization,
        Map<String, Double> metrics,
        Map<String, String> libraries,
        String trainingRunId,
        String createdAt,
        String weightsSha256,
        Integer epoch) {

    public BundleDescriptor {
        classes = classes == null ? List.of() : List.copyOf(classes);
        metrics = metrics == null ? Map.of() : Map.copyOf(metrics);
        libraries = libraries == null ? Map.of() : Map.copyOf(libraries);
    }
}
